// SmarthostLab relay page: a hash router over the views, the token panel, the live status, keyboard shortcuts.
// Hand-written ES modules, served by the relay from its assembly; no framework, no build step, no CDN.

import { h, replace } from './dom.js';
import { json, token, setToken, onAuthProblem } from './api.js';
import * as live from './live.js';
import * as messages from './messages.js';
import * as message from './message.js';
import * as refusals from './refusals.js';
import * as accounts from './accounts.js';
import * as queue from './queue.js';
import * as faults from './faults.js';

const main = document.getElementById('main');
const banner = document.getElementById('banner');
let stopView = () => {};

/** Goes to #/view?params (empty values left out). */
function navigate(view, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v) q.set(k, v);
  const s = q.toString();
  location.hash = `#/${view}${s ? `?${s}` : ''}`;
}

function render() {
  const hash = location.hash.replace(/^#\/?/, '') || 'messages';
  const [path, search] = hash.split('?');
  const parts = path.split('/').map(decodeURIComponent);
  const params = new URLSearchParams(search || '');
  stopView();
  stopView = () => {};
  const tab = parts[0] === 'messages' && parts.length > 1 ? 'messages' : parts[0];
  document.querySelectorAll('[data-tab]').forEach(a => {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  switch (parts[0]) {
    case 'messages':
      if (parts.length > 1) {
        stopView = message.show(main, parts[1], parts[2]);
        document.title = 'Message · SmarthostLab relay';
      } else {
        stopView = messages.show(main, params, navigate);
        document.title = 'Messages · SmarthostLab relay';
      }
      break;
    case 'refusals': stopView = refusals.show(main, params, navigate); document.title = 'Refusals · SmarthostLab relay'; break;
    case 'accounts': stopView = accounts.show(main); document.title = 'Accounts · SmarthostLab relay'; break;
    case 'queue': stopView = queue.show(main); document.title = 'Queue · SmarthostLab relay'; break;
    case 'faults': stopView = faults.show(main); document.title = 'Faults · SmarthostLab relay'; break;
    default: replace(main, h('p', null, 'No such page. ', h('a', { href: '#/messages' }, 'Messages')));
  }
}

// The token panel.
const panel = document.getElementById('token-panel');
const input = document.getElementById('token-input');
const button = document.getElementById('token-button');
function openPanel() {
  panel.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  input.focus();
}
function closePanel() {
  panel.hidden = true;
  button.setAttribute('aria-expanded', 'false');
  button.focus();
}
function showTokenState() {
  button.textContent = token() ? 'Token ✓' : 'Token';
}
button.addEventListener('click', () => (panel.hidden ? openPanel() : closePanel()));
document.getElementById('token-close').addEventListener('click', closePanel);
document.getElementById('token-clear').addEventListener('click', () => {
  setToken('');
  input.value = '';
  showTokenState();
  live.start();
  closePanel();
  render();
});
document.getElementById('token-form').addEventListener('submit', e => {
  e.preventDefault();
  setToken(input.value.trim());
  input.value = '';
  showTokenState();
  banner.hidden = true;
  live.start();
  closePanel();
  render();
});
panel.addEventListener('keydown', e => { if (e.key === 'Escape') closePanel(); });

onAuthProblem(error => {
  replace(banner, `${error.message}. `, h('button', { type: 'button', class: 'link', onclick: openPanel }, 'Enter a token'));
  banner.hidden = false;
});

// Keyboard: j / k move between list rows (their links), "/" goes to the search field, Escape leaves a field.
document.addEventListener('keydown', e => {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const typing = e.target.closest('input, textarea, select');
  if (typing) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if (e.key === '/') {
    const search = document.getElementById('f-token') || document.getElementById('r-ip');
    if (search) { e.preventDefault(); search.focus(); }
    return;
  }
  if (e.key !== 'j' && e.key !== 'k') return;
  const links = [...document.querySelectorAll('#message-rows tr[data-id] a')];
  if (links.length === 0) return;
  const at = links.indexOf(document.activeElement);
  const next = e.key === 'j' ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
  links[at < 0 ? 0 : next].focus();
  e.preventDefault();
});

async function info() {
  try {
    const i = await json('/api/v1/info');
    replace(document.getElementById('host'), `${i.hostName} · v${i.version}`);
  } catch { /* shown by the views */ }
}

showTokenState();
window.addEventListener('hashchange', render);
live.start(document.getElementById('live'));
render();
info();
