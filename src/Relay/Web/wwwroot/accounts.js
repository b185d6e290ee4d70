// Accounts and their registered outbound servers; adding and removing needs the admin token.

import { h, replace, flash } from './dom.js';
import { json, send, adminChange, ApiError } from './api.js';

export function show(main) {
  const note = h('div', { class: 'note', role: 'status', 'aria-live': 'polite', hidden: true });
  const list = h('div', { id: 'accounts' });
  replace(main,
    h('h1', null, 'Accounts'),
    h('p', { class: 'muted' }, 'Clients connecting from a registered outbound server are admitted for that account. Changes apply to the next connection and survive restarts. Adding and removing needs the admin token (Token, top right).'),
    note, list);

  async function load() {
    try {
      const { accounts } = await json('/api/v1/accounts');
      replace(list, accounts.length ? accounts.map(card) : h('p', null, 'No accounts.'));
    } catch (e) {
      flash(note, e instanceof ApiError ? e.message : String(e), 'error');
    }
  }

  function card(a) {
    const input = h('input', { id: `add-${a.name}`, name: 'address', placeholder: '192.0.2.11 or 2001:db8::/64', autocomplete: 'off', spellcheck: 'false', required: true });
    const form = h('form', { class: 'inline' },
      h('label', { for: `add-${a.name}` }, 'Add an outbound server'), input, h('button', { type: 'submit' }, 'Add'));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      await change(() => send('POST', `/api/v1/accounts/${encodeURIComponent(a.name)}/outbound-servers`, { address: input.value.trim() }),
        `Added ${input.value.trim()} to ${a.name}.`);
    });
    return h('section', { class: 'card', dataset: { account: a.name } },
      h('h2', null, a.name),
      h('p', { class: 'muted' }, `Domains: ${a.domains.join(', ') || '–'} · MAIL FROM outside them: ${a.mailFromPolicy} · DMARC failure: ${a.dmarcFailurePolicy}`),
      h('ul', { class: 'servers' }, a.outboundServers.map(server => {
        const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove ${server} from ${a.name}` }, 'Remove');
        remove.addEventListener('click', () => change(
          () => send('DELETE', `/api/v1/accounts/${encodeURIComponent(a.name)}/outbound-servers?address=${encodeURIComponent(server)}`),
          `Removed ${server} from ${a.name}.`));
        return h('li', null, h('span', { class: 'mono' }, server), ' ', remove);
      })),
      form);
  }

  const change = (action, done) => adminChange(note, 'accounts', action, done, load);

  load();
  return () => {};
}
