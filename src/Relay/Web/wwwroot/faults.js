// Fault rules (GET/POST/DELETE /api/v1/faults) where the relay has them; "no fault rules API" where it answers 404.

import { h, replace, flash, table } from './dom.js';
import { json, send, adminChange, ApiError } from './api.js';

export function show(main) {
  const note = h('div', { class: 'note', role: 'status', 'aria-live': 'polite', hidden: true });
  const content = h('div', { id: 'faults' });
  const rulesHolder = h('div');
  let form = null;
  replace(main, h('h1', null, 'Fault rules'), note, content);

  async function load() {
    let rules;
    try {
      ({ rules } = await json('/api/v1/faults'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        replace(content, h('p', { id: 'no-faults' }, 'No fault rules API on this relay.'));
        clearInterval(timer);
        return;
      }
      flash(note, e.message, 'error');
      return;
    }
    if (!form) {
      const area = h('textarea', { id: 'fault-json', rows: 4, spellcheck: 'false', placeholder: '{"name":"tempfail","stage":"rcpt","reply":{"code":451}}' });
      form = h('form', { class: 'stack' },
        h('label', { for: 'fault-json' }, 'Add a rule (JSON, admin token)'), area, h('div', null, h('button', { type: 'submit' }, 'Add rule')));
      form.addEventListener('submit', async e => {
        e.preventDefault();
        let body;
        try { body = JSON.parse(area.value); } catch (x) { flash(note, `Not JSON: ${x.message}`, 'error'); return; }
        await change(() => send('POST', '/api/v1/faults', body), 'Rule added.');
      });
      replace(content, rulesHolder, form);
    }
    replace(rulesHolder,
      rules.length === 0 ? h('p', { class: 'muted' }, 'No fault rules: every session is served normally.') :
        h('div', { class: 'table-wrap' }, table(['Name', 'Source', 'Hits', 'Matches', 'Rule', ''], rules.map(r => {
          const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove rule ${r.name}` }, 'Remove');
          remove.addEventListener('click', () => change(() => send('DELETE', `/api/v1/faults/${encodeURIComponent(r.name)}`), `Removed ${r.name}.`));
          return h('tr', null, h('td', { class: 'mono' }, r.name), h('td', null, r.source), h('td', null, String(r.hits)), h('td', null, String(r.matches)),
            h('td', { class: 'mono wrap' }, JSON.stringify(r.rule)), h('td', null, remove));
        }), { id: 'fault-rules' })));
  }

  const change = (action, done) => adminChange(note, 'fault rules', action, done, load);

  const timer = setInterval(load, 5000); // hit counters move with traffic
  load();
  return () => clearInterval(timer);
}
