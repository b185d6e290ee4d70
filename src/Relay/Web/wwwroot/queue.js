// The outbound queue: recipients by state and the deferred ones; flush needs the admin token.

import { h, replace, route, text, time, flash, table } from './dom.js';
import { json, send, token, ApiError } from './api.js';
import * as live from './live.js';

export function show(main) {
  const note = h('div', { class: 'note', role: 'status', 'aria-live': 'polite', hidden: true });
  const content = h('div', { id: 'queue' });
  const flush = h('button', { type: 'button', id: 'flush' }, 'Retry deferred now');
  flush.addEventListener('click', async () => {
    if (!token()) { flash(note, 'Flushing needs the admin token: enter it under Token (top right).', 'error'); return; }
    try {
      const r = await send('POST', '/api/v1/queue/flush');
      flash(note, `${r.recipients} deferred recipient(s) are due now.`, 'ok');
      load();
    } catch (e) { flash(note, e.message, 'error'); }
  });
  replace(main, h('h1', null, 'Queue'), note, content, flush);

  async function load() {
    try {
      const q = await json('/api/v1/queue');
      replace(content,
        h('ul', { class: 'counts' }, Object.entries(q.counts).map(([state, n]) => h('li', null, h('span', { class: `state s-${state}` }, state), ` ${n}`)),
          h('li', null, `outbound connections ${q.connections}`)),
        q.deferred.length === 0 ? h('p', { class: 'muted' }, 'Nothing deferred.') :
          h('div', { class: 'table-wrap' }, table(['Message', 'Recipient', 'Destination', 'Attempts', 'Last reply', 'Next attempt'],
            q.deferred.map(d => h('tr', null,
              h('td', { class: 'mono' }, route(`messages/${encodeURIComponent(d.messageId)}`, d.messageId)),
              h('td', { class: 'mono' }, d.delivery.recipient),
              h('td', { class: 'mono' }, text(d.delivery.destination)),
              h('td', null, String(d.delivery.attempts)),
              h('td', { class: 'mono wrap' }, text(d.delivery.lastReply)),
              h('td', null, d.delivery.nextAttemptAt ? time(d.delivery.nextAttemptAt) : '–'))))));
    } catch (e) {
      flash(note, e instanceof ApiError ? e.message : String(e), 'error');
    }
  }

  let timer = 0;
  const soon = () => { if (!timer) timer = setTimeout(() => { timer = 0; load(); }, 1000); };
  const stops = [live.on('delivery', soon), live.on('message', soon), live.on('resync', soon)];
  load();
  return () => { clearTimeout(timer); stops.forEach(s => s()); };
}
