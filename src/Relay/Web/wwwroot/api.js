// The API client: every request carries the token of this tab (if any) as a bearer token. No token goes in a URL.

import { flash } from './dom.js';

const TOKEN_KEY = 'smarthostlab.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function headers(extra) {
  const all = Object.assign({}, extra || {});
  const t = token();
  if (t) all.Authorization = `Bearer ${t}`;
  return all;
}

/** An API error with the relay's one-line reason. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const listeners = new Set();
/** Called with every ApiError of status 401/403 (the page asks for a token). */
export function onAuthProblem(fn) { listeners.add(fn); }

export async function request(method, path, body) {
  const init = { method, headers: headers(body === undefined ? null : { 'Content-Type': 'application/json' }), cache: 'no-store' };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, `the relay did not answer (${e.message})`);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const json = await response.json();
      if (json && json.error) message = json.error;
    } catch { /* not JSON */ }
    const error = new ApiError(response.status, message);
    if (response.status === 401 || response.status === 403) listeners.forEach(fn => fn(error));
    throw error;
  }
  return response;
}

export async function json(path) {
  return (await request('GET', path)).json();
}

export async function textOf(path) {
  return (await request('GET', path)).text();
}

export async function send(method, path, body) {
  const response = await request(method, path, body);
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : null;
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Runs an admin change (what: "accounts", "fault rules"), says done or why not in note, then reload().
 * Without a token it says the admin token is needed and sends nothing.
 */
export async function adminChange(note, what, action, done, reload) {
  if (!token()) { flash(note, `Changing ${what} needs the admin token: enter it under Token (top right).`, 'error'); return; }
  try {
    await action();
    flash(note, done, 'ok');
    await reload();
  } catch (e) {
    flash(note, e.status === 404 && /admin routes are off/.test(e.message) ? 'This relay has no admin token configured (Api:AdminToken): changes are off.' : e.message, 'error');
  }
}

/**
 * A list's loads, one at a time: show() reads the API and redraws; an error is said in note. A load asked for while one
 * runs, or a live row arriving meanwhile (stale()), runs one more when it ends, since the answer in flight was read
 * before that row was committed and would drop it again.
 */
export function serialLoad(note, show) {
  let running = null;
  async function load() {
    if (running) { running.again = true; return; }
    running = { again: false };
    try {
      await show();
    } catch (e) {
      flash(note, e instanceof ApiError ? e.message : String(e), 'error');
    } finally {
      const again = running.again;
      running = null;
      if (again) load();
    }
  }
  return { load, stale() { if (running) running.again = true; } };
}
