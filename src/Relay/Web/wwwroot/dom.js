// DOM helpers. Every string becomes a text node or an attribute value: nothing from a message is ever parsed as
// HTML anywhere in the page, and links are made only from the page's own routes.

/** Makes an element: h('td', {class: 'x'}, 'text', child, …). Strings and numbers become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
      else if (name === 'dataset') Object.assign(el.dataset, value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces the children of el. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A link to a page route (#/…): the only kind of href the page builds from data (ids are encoded). */
export function route(path, ...children) {
  return h('a', { href: '#/' + path }, ...children);
}

/** Text or a dash. */
export function text(value) {
  return value === null || value === undefined || value === '' ? '–' : String(value);
}

/** Octets as "1.2 KB". */
export function size(octets) {
  if (octets < 1000) return `${octets} B`;
  if (octets < 1e6) return `${(octets / 1e3).toFixed(1)} KB`;
  return `${(octets / 1e6).toFixed(1)} MB`;
}

/** A time element: local time (the date too when not today), the ISO time as its title. */
export function time(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', null, text(iso));
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const label = sameDay ? d.toLocaleTimeString() : `${d.toLocaleDateString()} ${d.toLocaleTimeString()}`;
  return h('time', { datetime: iso, title: iso }, label);
}

/** A result badge: pass, fail, none… coloured by class. */
export function badge(word, title) {
  const w = word ? String(word).toLowerCase() : 'none';
  return h('span', { class: `badge b-${w.replace(/[^a-z]/g, '')}`, title: title || null }, w);
}

/** A definition list from [term, value] pairs (values may be nodes). */
export function dl(pairs, cls) {
  return h('dl', { class: cls || 'pairs' }, pairs.filter(Boolean).map(([term, value]) => [h('dt', null, term), h('dd', null, value)]));
}

/** A table: headers and rows of cells (strings or nodes). */
export function table(headers, rows, attrs) {
  return h('table', attrs || null,
    h('thead', null, h('tr', null, headers.map(t => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rows));
}

/** A short-lived note for the screen reader and the eye. */
export function flash(el, message, kind) {
  replace(el, message);
  el.className = `note ${kind || ''}`;
  el.hidden = !message;
}
