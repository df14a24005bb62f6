// Small DOM helpers. Everything the server sends is put in the page as text
// (textContent / properties), never as HTML: the server is untrusted input.

/** Creates an element: h('div', {class: 'x', onclick: f}, 'text', child, [more]). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (['value', 'checked', 'selected', 'disabled', 'hidden', 'open', 'indeterminate'].includes(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Calls `fn` once `ms` have passed without another call. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** hh:mm:ss.mmm of a millisecond timestamp. */
export function clock(ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A JSON value, pretty-printed with light syntax colouring (built from text nodes). */
export function jsonView(value, opts = {}) {
  const pre = h('pre', { class: 'json' + (opts.compact ? ' compact' : '') });
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  // Tokenise the pretty JSON: strings (keys when followed by a colon), numbers, literals.
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) pre.append(text.slice(last, m.index));
    if (m[1]) {
      pre.append(h('span', { class: m[2] ? 'j-key' : 'j-str' }, m[1]));
      if (m[2]) pre.append(m[2]);
    } else if (m[3]) pre.append(h('span', { class: 'j-lit' }, m[3]));
    else pre.append(h('span', { class: 'j-num' }, m[4]));
    last = m.index + m[0].length;
  }
  pre.append(text.slice(last));
  return pre;
}

/** A small "copy" button for a text. */
export function copyButton(getText, label = 'Copy') {
  const b = h('button', { class: 'btn tiny ghost', type: 'button', title: 'Copy to the clipboard' }, label);
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(getText());
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Copy failed';
    }
    setTimeout(() => { b.textContent = label; }, 1200);
  });
  return b;
}

/** An empty-state message. */
export function empty(text, hint) {
  return h('div', { class: 'empty' }, h('div', { class: 'empty-title' }, text), hint ? h('div', { class: 'empty-hint' }, hint) : null);
}

/** Whether a JSON Schema-ish value is a plain object. */
export const isObject = (v) => v != null && typeof v === 'object' && !Array.isArray(v);
