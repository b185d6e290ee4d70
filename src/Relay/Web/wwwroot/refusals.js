// Refusals: "why did my message not arrive?" Newest first, new ones live, filtered by client IP.

import { h, replace, text, time, flash } from './dom.js';
import { json, query, serialLoad } from './api.js';
import * as live from './live.js';

export function refusalRow(r) {
  return h('tr', { dataset: { id: r.id } },
    h('td', { 'data-label': 'Time' }, time(r.time)),
    h('td', { class: 'mono', 'data-label': 'Client' }, r.clientIp),
    h('td', { 'data-label': 'HELO' }, text(r.helo)),
    h('td', { 'data-label': 'Stage' }, r.stage),
    h('td', { 'data-label': 'Reason' }, h('span', { class: 'badge b-fail' }, r.reason)),
    h('td', { class: 'mono wrap', 'data-label': 'Reply' }, r.reply),
    h('td', { 'data-label': 'Account' }, text(r.account)),
    h('td', { class: 'mono', 'data-label': 'MAIL FROM' }, text(r.mailFrom)),
    h('td', { class: 'mono', 'data-label': 'Recipient' }, text(r.recipient)));
}

export function show(main, params, navigate) {
  let limit = 100;
  const ip = params.get('ip') || '';
  const note = h('div', { class: 'note', role: 'status', hidden: true });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const body = h('tbody', { id: 'refusal-rows' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  const input = h('input', { id: 'r-ip', name: 'ip', type: 'search', value: ip, placeholder: '127.0.0.3', autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'r-ip' }, 'Client IP'), input),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit' }, 'Apply'), h('button', { type: 'reset', class: 'secondary' }, 'Clear')));
  form.addEventListener('submit', e => { e.preventDefault(); navigate('refusals', { ip: input.value.trim() }); });
  form.addEventListener('reset', e => { e.preventDefault(); navigate('refusals', {}); });
  let rows = [];
  let total = 0;
  let shown = '';
  const keyOf = (list, count) => JSON.stringify([count, list.map(r => r.id)]);

  replace(main,
    h('h1', null, 'Refusals'),
    h('p', { class: 'muted' }, 'Every connection, command or message the relay refused, with the reply the client got: the answer to "why did my message not arrive?".'),
    form, note, summary,
    h('div', { class: 'table-wrap' }, h('table', { class: 'refusals', id: 'refusals' },
      h('thead', null, h('tr', null, ['Time', 'Client', 'HELO', 'Stage', 'Reason', 'Reply', 'Account', 'MAIL FROM', 'Recipient'].map(t => h('th', { scope: 'col' }, t)))),
      body)),
    more);

  function render() {
    replace(body, rows.map(refusalRow));
    if (rows.length === 0) body.appendChild(h('tr', { class: 'empty' }, h('td', { colspan: 9 }, 'No refusals.')));
    replace(summary, `${rows.length} shown of ${total} refusal${total === 1 ? '' : 's'}`);
    more.hidden = rows.length >= total;
  }

  // One load at a time; a refusal that arrives while one is in flight asks for another (serialLoad).
  const { load, stale } = serialLoad(note, async () => {
    const page = await json(`/api/v1/refusals${query({ ip, limit })}`);
    flash(note, '');
    const key = keyOf(page.refusals, page.total);
    if (key === shown) return; // unchanged: no redraw
    shown = key;
    rows = page.refusals;
    total = page.total;
    render();
  });
  more.addEventListener('click', () => { limit = Math.min(limit * 4, 10000); load(); });

  const stops = [
    live.on('refusal', r => {
      if (ip && r.clientIp !== ip) return;
      stale();
      if (rows.some(x => x.id === r.id)) return;
      rows.unshift(r);
      total++;
      const tr = refusalRow(r);
      tr.classList.add('arrived');
      const empty = body.querySelector('tr.empty');
      if (empty) empty.remove();
      body.insertBefore(tr, body.firstChild);
      replace(summary, `${rows.length} shown of ${total} refusal${total === 1 ? '' : 's'}`);
      if (rows.length > limit) rows.length = limit;
      while (body.children.length > limit) body.lastChild.remove();
      shown = keyOf(rows, total);
    }),
    live.on('resync', load),
    live.on('hello', load),
  ];
  load();
  return () => stops.forEach(s => s());
}
