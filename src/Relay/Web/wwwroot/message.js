// One message: envelope, verdict explained, delivery, then body (text / HTML in a sandboxed frame), headers,
// transcript and raw source, and the .eml download. Everything from the message is set as text.

import { h, replace, route, text, size, time, badge, dl, table, flash } from './dom.js';
import { json, textOf, request, token, ApiError } from './api.js';
import { verdictTable } from './verdict.js';
import { deliverySummary } from './messages.js';
import * as live from './live.js';

const RAW_SHOWN = 2 * 1024 * 1024; // characters of the raw source shown in the page (the download has it all)

export function show(main, id, sub) {
  const note = h('div', { class: 'note', role: 'status', hidden: true });
  replace(main, h('p', null, route('messages', '← Messages')), note, h('p', { class: 'muted' }, 'Loading…'));
  const base = `/api/v1/messages/${encodeURIComponent(id)}`;
  let stopped = false;

  async function load() {
    let m;
    try {
      m = await json(base);
    } catch (e) {
      if (stopped) return;
      replace(main, h('p', null, route('messages', '← Messages')), note);
      flash(note, e instanceof ApiError && e.status === 404 ? `No message ${id} (deleted, or trimmed by retention).` : e.message, 'error');
      return;
    }
    if (stopped) return;
    render(m);
  }

  function render(m) {
    shownDelivery = JSON.stringify(m.delivery);
    const tabs = ['text', 'html', 'headers', 'transcript', 'raw'];
    const current = tabs.includes(sub) ? sub : 'text';
    const panel = h('div', { class: 'panel', id: 'panel', role: 'tabpanel', tabindex: '0' });
    const tabBar = h('div', { class: 'subtabs', role: 'tablist', 'aria-label': 'Message content' },
      tabs.map(t => h('a', {
        href: `#/messages/${encodeURIComponent(m.id)}/${t}`, role: 'tab', id: `tab-${t}`,
        'aria-selected': t === current ? 'true' : 'false', 'aria-controls': 'panel',
      }, { text: 'Text', html: 'HTML', headers: 'Headers', transcript: 'SMTP transcript', raw: 'Raw' }[t])));
    const download = h('a', { href: `${base}/raw?download=1`, class: 'button secondary', id: 'download', download: `${m.id}.eml` }, 'Download .eml');
    download.addEventListener('click', e => {
      if (!token()) return; // a plain link works where no token is needed
      e.preventDefault();
      downloadWithToken(`${base}/raw?download=1`, `${m.id}.eml`, note);
    });
    const v = m.verdict;
    replace(main,
      h('p', null, route('messages', '← Messages')),
      note,
      h('article', { class: 'message', 'aria-labelledby': 'subject' },
        h('header', { class: 'message-head' },
          h('h1', { id: 'subject' }, m.subject ? m.subject : h('em', null, '(no subject)')),
          h('p', { class: 'badges', id: 'badges' },
            label('SPF', v ? v.spf.result : null, 'spf'),
            label('DKIM', v ? dkimOf(v) : null, 'dkim'),
            label('DMARC', v ? v.dmarc.result : null, 'dmarc'),
            label('Action', v ? v.action : null, 'action'),
            m.quarantined ? badge('quarantine', 'stored in quarantine') : null,
            download)),
        h('section', { 'aria-labelledby': 'h-envelope' },
          h('h2', { id: 'h-envelope' }, 'Envelope'),
          dl([
            ['Queue id', h('span', { class: 'mono' }, m.id)],
            ['Received', time(m.receivedAt)],
            ['Client IP', h('span', { class: 'mono', id: 'client-ip' }, m.clientIp)],
            ['Account', text(m.account)],
            ['HELO', text(m.helo)],
            ['TLS', m.tls ? `${m.tls.protocol} ${m.tls.cipher || ''}` : 'none (plaintext)'],
            m.authenticatedUser ? ['Authenticated user', m.authenticatedUser] : null,
            ['MAIL FROM', h('span', { class: 'mono' }, m.mailFrom === '' ? '<> (null sender)' : `<${m.mailFrom}>`)],
            ['Parameters', text(m.mailFromParameters)],
            ['Recipients', h('ul', { class: 'plain' }, (m.recipients || []).map(r => h('li', { class: 'mono' }, `<${r}>`)))],
            ['From header', text(m.from)],
            ['Message-ID', h('span', { class: 'mono' }, text(m.messageId))],
            ['Size', size(m.size)],
            m.dsnOf ? ['Reports on', route(`messages/${encodeURIComponent(m.dsnOf)}`, m.dsnOf)] : null,
          ])),
        h('section', { 'aria-labelledby': 'h-verdict' },
          h('h2', { id: 'h-verdict' }, 'Verdict'),
          h('div', { class: 'table-wrap' }, verdictTable(v))),
        h('section', { 'aria-labelledby': 'h-delivery', id: 'delivery' },
          h('h2', { id: 'h-delivery' }, `Delivery: ${deliverySummary(m)}`),
          deliveryTable(m)),
        h('section', { 'aria-labelledby': 'h-content' },
          h('h2', { id: 'h-content' }, 'Content'),
          tabBar, panel)));
    fill(panel, current, m);
  }

  async function fill(panel, which, m) {
    replace(panel, h('p', { class: 'muted' }, 'Loading…'));
    try {
      switch (which) {
        case 'text': {
          const parts = await partsOf(base);
          const nodes = [];
          if (parts.problem) nodes.push(h('p', { class: 'note error' }, `MIME could not be read: ${parts.problem}`));
          if (parts.attachments.length) nodes.push(h('p', { class: 'muted' }, `Attachments: ${parts.attachments.map(a => `${a.fileName || '(no name)'} (${a.contentType})`).join(', ')}`));
          if (parts.text !== null) nodes.push(h('pre', { class: 'body', id: 'body-text' }, parts.text));
          else nodes.push(h('p', { class: 'muted' }, parts.html !== null ? 'No text part; see HTML.' : 'No text body.'));
          if (parts.textTruncated) nodes.push(h('p', { class: 'muted' }, 'Shortened: the text is longer than 1,000,000 characters.'));
          replace(panel, nodes);
          break;
        }
        case 'html': {
          const parts = await partsOf(base);
          if (parts.html === null) { replace(panel, h('p', { class: 'muted' }, 'No HTML part.')); break; }
          // Sandboxed (no scripts, no same origin) and served under a policy that loads nothing remote.
          const frame = h('iframe', { class: 'html', id: 'body-html', title: 'HTML body (remote content blocked)', sandbox: '', referrerpolicy: 'no-referrer' });
          if (token()) frame.srcdoc = parts.html; // the frame's own request could not carry the token; inherits this page's stricter policy
          else frame.src = `${base}/html`;
          replace(panel, h('p', { class: 'muted' }, 'Scripts do not run and remote images, fonts and styles are not loaded.'), frame);
          break;
        }
        case 'headers': {
          const parts = await partsOf(base);
          replace(panel, table(['Field', 'Value'], parts.headers.map(f => h('tr', null, h('th', { scope: 'row', class: 'mono' }, f.name), h('td', { class: 'mono wrap' }, f.value))), { class: 'headers', id: 'headers' }));
          break;
        }
        case 'transcript':
          replace(panel, h('pre', { class: 'transcript', id: 'transcript' }, await textOf(`${base}/transcript`)));
          break;
        case 'raw': {
          const raw = await textOf(`${base}/raw`);
          replace(panel,
            h('pre', { class: 'raw', id: 'raw' }, raw.length > RAW_SHOWN ? raw.slice(0, RAW_SHOWN) : raw),
            raw.length > RAW_SHOWN ? h('p', { class: 'muted' }, 'Shortened here; the download has every octet.') : null);
          break;
        }
      }
    } catch (e) {
      replace(panel, h('p', { class: 'note error' }, e.message));
    }
  }

  // A change of delivery anywhere: re-read this message (at most once a second) and redraw only its delivery section.
  let timer = 0;
  let shownDelivery = '';
  async function refreshDelivery() {
    timer = 0;
    let m;
    try { m = await json(base); } catch { return; }
    const key = JSON.stringify(m.delivery);
    const section = document.getElementById('delivery');
    if (stopped || key === shownDelivery || !section) return;
    shownDelivery = key;
    replace(section, h('h2', { id: 'h-delivery' }, `Delivery: ${deliverySummary(m)}`), deliveryTable(m));
  }
  const soon = () => { if (!timer) timer = setTimeout(refreshDelivery, 1000); };
  const stops = [live.on('delivery', soon), live.on('resync', soon)];
  load();
  return () => { stopped = true; clearTimeout(timer); stops.forEach(s => s()); };
}

let partsCache = { path: null, value: null };
async function partsOf(base) {
  if (partsCache.path !== base) partsCache = { path: base, value: json(`${base}/parts`) };
  try {
    return await partsCache.value;
  } catch (e) {
    partsCache = { path: null, value: null };
    throw e;
  }
}

function label(name, result, key) {
  return h('span', { class: 'labelled', dataset: { badge: key } }, h('span', { class: 'muted' }, `${name} `), badge(result));
}

function dkimOf(v) {
  if (!v.dkim || v.dkim.length === 0) return 'none';
  return v.dkim.some(d => d.result === 'pass') ? 'pass' : v.dkim[0].result;
}

function deliveryTable(m) {
  if (!m.delivery || m.delivery.length === 0) return h('p', { class: 'muted' }, 'Stored: the relay keeps messages (Delivery:Mode=Store) and sends nothing on.');
  return h('div', { class: 'table-wrap' }, table(['Recipient', 'State', 'Destination', 'Attempts', 'Last reply', 'Next attempt'],
    m.delivery.map(d => h('tr', null,
      h('td', { class: 'mono' }, d.recipient),
      h('td', null, h('span', { class: `state s-${d.state}` }, d.state)),
      h('td', { class: 'mono' }, text(d.destination)),
      h('td', null, String(d.attempts)),
      h('td', { class: 'mono wrap' }, text(d.lastReply)),
      h('td', null, d.nextAttemptAt ? time(d.nextAttemptAt) : '–')))));
}

async function downloadWithToken(path, name, note) {
  try {
    const blob = await (await request('GET', path)).blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    flash(note, e.message, 'error');
  }
}
