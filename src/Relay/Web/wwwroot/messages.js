// The message list: newest first, filters of the API, keyset paging (before=), new rows live.

import { h, replace, route, text, size, time, badge, flash } from './dom.js';
import { json, query, serialLoad } from './api.js';
import * as live from './live.js';

const LIMIT = 50;
const FILTERS = ['token', 'from', 'to', 'account', 'since', 'spf', 'dkim', 'dmarc', 'action', 'delivery', 'quarantined'];
const WORDS = {
  spf: ['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror'],
  dkim: ['pass', 'fail', 'neutral', 'policy', 'temperror', 'permerror', 'none'],
  dmarc: ['pass', 'fail', 'none', 'temperror', 'permerror'],
  action: ['accept', 'tag', 'quarantine', 'reject'],
  delivery: ['stored', 'queued', 'deferred', 'delivered', 'bounced', 'expired'],
  quarantined: ['true', 'false'],
};

/** The best DKIM result of a verdict for the list's badge: pass if any signature passed. */
export function dkimSummary(verdict) {
  if (!verdict) return null;
  const all = verdict.dkim || [];
  if (all.length === 0) return 'none';
  return all.some(d => d.result === 'pass') ? 'pass' : all[0].result;
}

/** Recipients' delivery states in one word or a count per state. */
export function deliverySummary(message) {
  const states = (message.delivery || []).map(d => d.state);
  if (states.length === 0) return 'stored';
  const counts = {};
  for (const s of states) counts[s] = (counts[s] || 0) + 1;
  const keys = Object.keys(counts);
  return keys.length === 1 ? keys[0] : keys.map(k => `${counts[k]} ${k}`).join(', ');
}

export function messageRow(m) {
  const v = m.verdict;
  const tls = m.tls ? h('span', { class: 'badge b-tls', title: `${m.tls.protocol} ${m.tls.cipher || ''}` }, m.tls.protocol.replace('Tls', 'TLS ').replace(/(\d)(\d)$/, '$1.$2')) : h('span', { class: 'badge b-none' }, 'plain');
  const delivery = deliverySummary(m);
  return h('tr', { dataset: { id: m.id }, class: m.quarantined ? 'quarantined' : null },
    h('td', { class: 'c-time', 'data-label': 'Time' }, time(m.receivedAt)),
    h('td', { class: 'c-client', 'data-label': 'Client' }, h('span', { class: 'mono' }, m.clientIp), m.account ? h('span', { class: 'muted' }, ` ${m.account}`) : null),
    h('td', { class: 'c-from', 'data-label': 'From' }, text(m.from || m.mailFrom)),
    h('td', { class: 'c-to', 'data-label': 'To' }, (m.recipients || []).join(', ')),
    h('td', { class: 'c-subject', 'data-label': 'Subject' }, route(`messages/${encodeURIComponent(m.id)}`, m.subject ? m.subject : h('em', null, '(no subject)'))),
    h('td', { class: 'c-size', 'data-label': 'Size' }, size(m.size)),
    h('td', { class: 'c-tls', 'data-label': 'TLS' }, tls),
    h('td', { class: 'c-spf', 'data-label': 'SPF' }, v ? badge(v.spf.result, `SPF ${v.spf.result} for ${v.spf.domain} from ${v.spf.ip}`) : badge('none')),
    h('td', { class: 'c-dkim', 'data-label': 'DKIM' }, v ? badge(dkimSummary(v)) : badge('none')),
    h('td', { class: 'c-dmarc', 'data-label': 'DMARC' }, v ? badge(v.dmarc.result, v.dmarc.fromDomain ? `DMARC ${v.dmarc.result} for ${v.dmarc.fromDomain}` : null) : badge('none')),
    h('td', { class: 'c-action', 'data-label': 'Action' }, v ? badge(v.action) : '–'),
    h('td', { class: 'c-delivery', 'data-label': 'Delivery' }, h('span', { class: `state s-${delivery.split(/[ ,]/)[0]}` }, delivery)));
}

/** What a page shows that can change: ids, delivery states, the count and the cursor. */
function keyOf(messages, total, next) {
  return JSON.stringify([total, next, messages.map(m => [m.id, deliverySummary(m), m.quarantined])]);
}

function hasFilters(params) {
  return FILTERS.some(f => params.get(f));
}

/** Renders the list into main; returns a function that stops its live updates. */
export function show(main, params, navigate) {
  const before = params.get('before') || '';
  const note = h('div', { class: 'note', role: 'status', hidden: true });
  const summary = h('p', { class: 'summary', id: 'list-summary', 'aria-live': 'polite' });
  const body = h('tbody', { id: 'message-rows' });
  const newer = h('button', { type: 'button', class: 'secondary', id: 'page-newer', disabled: !before }, '← Newer');
  const newest = h('button', { type: 'button', class: 'secondary', id: 'page-newest', hidden: !before }, 'Newest');
  const older = h('button', { type: 'button', class: 'secondary', id: 'page-older', disabled: true }, 'Older →');
  const fresh = h('button', { type: 'button', class: 'fresh', id: 'new-messages', hidden: true });
  let next = null;
  let total = 0;
  let rows = [];
  let newCount = 0;

  const form = filterForm(params, values => navigate('messages', values));
  const pager = h('div', { class: 'pager' }, newest, newer, older, fresh);
  replace(main,
    h('h1', { class: 'visually-hidden' }, 'Messages'),
    form, note,
    h('div', { class: 'list-head' }, summary, pager),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'messages', id: 'messages' },
        h('thead', null, h('tr', null, ['Time', 'Client', 'From', 'To', 'Subject', 'Size', 'TLS', 'SPF', 'DKIM', 'DMARC', 'Action', 'Delivery'].map(t => h('th', { scope: 'col' }, t)))),
        body)));

  const base = Object.fromEntries(FILTERS.map(f => [f, params.get(f)]));
  if (base.since) base.since = new Date(base.since).toISOString();

  function render() {
    replace(body, rows.map(messageRow));
    if (rows.length === 0) body.appendChild(h('tr', { class: 'empty' }, h('td', { colspan: 12 }, hasFilters(params) ? 'No message matches these filters.' : 'No messages yet. Send one through the relay and it shows here.')));
    replace(summary, total === 0 ? '0 messages' : `${rows.length} shown of ${total} message${total === 1 ? '' : 's'}${before ? ' (older page)' : ''}`);
    older.disabled = !next;
  }

  let shown = '';
  const { load, stale } = serialLoad(note, async () => {
    const page = await json(`/api/v1/messages${query({ ...base, before, limit: LIMIT })}`);
    flash(note, '');
    const key = keyOf(page.messages, page.total, page.next);
    if (key === shown) return; // unchanged: keep the rows (and the keyboard focus in them)
    shown = key;
    const focused = document.activeElement && document.activeElement.closest('tr[data-id]');
    rows = page.messages;
    total = page.total;
    next = page.next;
    render();
    if (focused) {
      const again = body.querySelector(`tr[data-id="${CSS.escape(focused.dataset.id)}"] a`);
      if (again) again.focus();
    }
  });

  // At most one reload per half second however many events come (a busy relay changes delivery states all the time).
  let timer = 0;
  function reloadSoon() {
    if (timer) return;
    timer = setTimeout(() => { timer = 0; load(); }, 500);
  }

  const stops = [
    live.on('message', m => {
      if (before) { // an older page stays put: say how many came
        newCount++;
        fresh.hidden = false;
        replace(fresh, `${newCount} new — show`);
        return;
      }
      if (hasFilters(params)) { reloadSoon(); return; }
      // A reload in flight read the list before this message was committed: it is followed by one more.
      stale();
      if (rows.some(r => r.id === m.id)) return;
      rows.unshift(m);
      total++;
      if (rows.length > LIMIT) {
        rows.length = LIMIT;
        next = rows[rows.length - 1].id;
      }
      const tr = messageRow(m);
      tr.classList.add('arrived');
      const empty = body.querySelector('tr.empty');
      if (empty) empty.remove();
      body.insertBefore(tr, body.firstChild);
      while (body.children.length > LIMIT) body.lastChild.remove();
      replace(summary, `${rows.length} shown of ${total} message${total === 1 ? '' : 's'}`);
      older.disabled = !next;
      shown = keyOf(rows, total, next); // what a reload would show now: no redraw for it
    }),
    live.on('delivery', reloadSoon),
    live.on('deleted', reloadSoon),
    live.on('resync', reloadSoon),
    live.on('hello', reloadSoon),
  ];

  older.addEventListener('click', () => {
    if (!next) return;
    const stack = JSON.parse(sessionStorage.getItem('smarthostlab.pages') || '[]');
    stack.push(before);
    sessionStorage.setItem('smarthostlab.pages', JSON.stringify(stack));
    navigate('messages', { ...base, before: next });
  });
  newer.addEventListener('click', () => {
    const stack = JSON.parse(sessionStorage.getItem('smarthostlab.pages') || '[]');
    const previous = stack.pop() || '';
    sessionStorage.setItem('smarthostlab.pages', JSON.stringify(stack));
    navigate('messages', { ...base, before: previous });
  });
  const top = () => {
    sessionStorage.removeItem('smarthostlab.pages');
    navigate('messages', { ...base, before: '' });
  };
  newest.addEventListener('click', top);
  fresh.addEventListener('click', top);
  // Mouse users may click anywhere in a row; keyboard users Tab to (or j/k between) the subject links.
  body.addEventListener('click', e => {
    const tr = e.target.closest('tr[data-id]');
    if (!tr || e.target.closest('a')) return;
    location.hash = `#/messages/${encodeURIComponent(tr.dataset.id)}`;
  });

  load();
  return () => {
    clearTimeout(timer);
    stops.forEach(stop => stop());
  };
}

function filterForm(params, apply) {
  const field = (name, label, input) => h('div', { class: 'field' }, h('label', { for: `f-${name}` }, label), input);
  const textInput = (name, placeholder) => h('input', { id: `f-${name}`, name, type: 'search', value: params.get(name) || '', placeholder, autocomplete: 'off', spellcheck: 'false' });
  const select = name => h('select', { id: `f-${name}`, name },
    h('option', { value: '' }, 'any'),
    WORDS[name].map(w => h('option', { value: w, selected: params.get(name) === w }, w)));
  const since = h('input', { id: 'f-since', name: 'since', type: 'datetime-local', value: params.get('since') || '' });
  const more = ['from', 'to', 'account', 'since', 'delivery', 'quarantined'];
  const form = h('form', { class: 'filters', id: 'filters', role: 'search' },
    field('token', 'Search', textInput('token', 'subject, Message-ID, any header')),
    field('spf', 'SPF', select('spf')),
    field('dkim', 'DKIM', select('dkim')),
    field('dmarc', 'DMARC', select('dmarc')),
    field('action', 'Action', select('action')),
    h('div', { class: 'field buttons' },
      h('button', { type: 'submit' }, 'Apply'),
      h('button', { type: 'reset', class: 'secondary' }, 'Clear')),
    // The rarer filters fold away (open when one of them is in use), so the list starts high on a small screen.
    h('details', { class: 'more', open: more.some(f => params.get(f)) },
      h('summary', null, 'More filters'),
      h('div', { class: 'filters' },
        field('from', 'From', textInput('from', 'sender')),
        field('to', 'To', textInput('to', 'recipient')),
        field('account', 'Account', textInput('account', 'name')),
        field('since', 'Since', since),
        field('delivery', 'Delivery', select('delivery')),
        field('quarantined', 'Quarantined', select('quarantined')))));
  const values = () => Object.fromEntries(FILTERS.map(f => [f, form.elements[f].value]));
  form.addEventListener('submit', e => {
    e.preventDefault();
    sessionStorage.removeItem('smarthostlab.pages');
    apply(values());
  });
  form.addEventListener('reset', e => {
    e.preventDefault();
    sessionStorage.removeItem('smarthostlab.pages');
    apply({});
  });
  form.querySelectorAll('select').forEach(s => s.addEventListener('change', () => form.requestSubmit()));
  return form;
}
