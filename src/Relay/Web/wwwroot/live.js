// Live updates: GET /api/v1/events (Server-Sent Events) read with fetch, so the tab's token goes in the
// Authorization header (EventSource cannot send one). Reconnects with a growing delay; after every (re)connect the
// views reload what they show ("hello" comes before anything else, so nothing committed after it is missed).

import { headers } from './api.js';

const handlers = new Map();
let statusEl = null;
let controller = null;
let retry = 1000;

/** Calls fn(data) for each event of that name (message, refusal, delivery, deleted, resync, hello). */
export function on(event, fn) {
  if (!handlers.has(event)) handlers.set(event, new Set());
  handlers.get(event).add(fn);
  return () => handlers.get(event).delete(fn);
}

function emit(event, data) {
  for (const fn of handlers.get(event) || []) {
    try { fn(data); } catch (e) { console.error(e); }
  }
}

function status(text, state) {
  if (!statusEl) return;
  statusEl.textContent = text;
  statusEl.dataset.state = state;
}

/** Starts (or restarts, e.g. after the token changed) the stream. */
export function start(el) {
  if (el) statusEl = el;
  if (controller) controller.abort();
  controller = new AbortController();
  run(controller.signal);
}

async function run(signal) {
  while (!signal.aborted) {
    try {
      status('connecting…', 'connecting');
      const response = await fetch('/api/v1/events', { headers: headers({ Accept: 'text/event-stream' }), signal, cache: 'no-store' });
      if (!response.ok || !response.body) {
        status(response.status === 401 || response.status === 403 ? 'live: token needed' : `live: ${response.status}`, 'down');
        if (response.status === 401 || response.status === 403) return; // the token form restarts it
      } else {
        await read(response.body, signal);
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    status('reconnecting…', 'down');
    await new Promise(resolve => setTimeout(resolve, retry));
    retry = Math.min(retry * 2, 30000);
  }
}

async function read(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done || signal.aborted) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      dispatch(block);
    }
  }
}

function dispatch(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue; // heartbeat
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return;
  let parsed;
  try { parsed = JSON.parse(data.join('\n')); } catch { return; }
  if (event === 'hello') {
    retry = 1000;
    status('live', 'up');
  }
  emit(event, parsed);
}
