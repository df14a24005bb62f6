// The History tab: every raw JSON-RPC frame in both directions, newest
// last, filterable by text and direction; a row opens to the whole frame.
// Responses are labelled with the method of the request they answer.

import { h, clock, jsonView, copyButton, debounce, empty } from './dom.js';
import { get, api } from './api.js';

const KEEP = 5000; // frames kept in the page
const SHOW = 1500; // rows drawn at most

function kindOf(m) {
  if (!m || typeof m !== 'object') return 'raw';
  if (m.method && m.id !== undefined) return 'request';
  if (m.method) return 'notification';
  if (m.error) return 'error';
  if (m.result !== undefined) return 'response';
  return 'raw';
}

/** One line about a frame: its params / result / error without the `_meta` noise. */
function preview(f) {
  const m = f.message;
  if (!m) return (f.text || '').slice(0, 160);
  const body = m.params ?? m.result ?? m.error;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { _meta, ...rest } = body;
    return JSON.stringify(rest).slice(0, 160);
  }
  return body === undefined ? '' : JSON.stringify(body).slice(0, 160);
}

export function historyView(ctx) {
  const frames = [];
  const methods = new Map(); // "generation:dir:id" of a request -> method
  const seen = new Set(); // seqs already here (the stream and a load may overlap)
  const filter = h('input', { type: 'search', class: 'search', placeholder: 'Filter frames (text in the JSON)…', 'data-testid': 'history-filter' });
  const dir = h('select', { 'data-testid': 'history-dir' },
    h('option', { value: '' }, 'Both directions'), h('option', { value: 'sent' }, 'Sent →'), h('option', { value: 'received' }, '← Received'));
  const follow = h('input', { type: 'checkbox', checked: true });
  const count = h('span', { class: 'muted small', 'data-testid': 'history-count' });
  const clear = h('button', { class: 'btn ghost', type: 'button' }, 'Clear');
  const list = h('div', { class: 'history-list', 'data-testid': 'history-list' });
  const el = h('div', { class: 'history' },
    h('div', { class: 'toolbar' }, filter, dir, h('label', { class: 'check' }, follow, h('span', null, 'Follow')), count, h('span', { class: 'spacer' }), clear),
    list);

  const text = (f) => (f._text ??= (f.message ? JSON.stringify(f.message) : f.text || '').toLowerCase());
  const matches = (f) => (!dir.value || f.dir === dir.value) && (!filter.value || text(f).includes(filter.value.toLowerCase()));

  const label = (f) => {
    const m = f.message;
    const kind = kindOf(m);
    if (kind === 'request' || kind === 'notification') return m.method;
    if (kind === 'response' || kind === 'error') {
      const other = f.dir === 'sent' ? 'received' : 'sent';
      const method = methods.get(`${f.generation}:${other}:${JSON.stringify(m.id)}`);
      return method ? `↳ ${method}` : 'response';
    }
    return f.text ? f.text.slice(0, 60) : '';
  };

  const row = (f) => {
    const m = f.message;
    const kind = kindOf(m);
    const body = h('div', { class: 'frame-body', hidden: true });
    const r = h('div', { class: `frame dir-${f.dir} kind-${kind}`, 'data-testid': 'history-row' },
      h('button', { class: 'frame-line', type: 'button' },
        h('span', { class: 'frame-time' }, clock(f.ts)),
        h('span', { class: 'frame-dir', title: f.dir === 'sent' ? 'inspector → server' : 'server → inspector' }, f.dir === 'sent' ? '→' : '←'),
        h('span', { class: `badge tiny kind ${kind}` }, kind),
        h('span', { class: 'frame-method' }, label(f)),
        m && m.id !== undefined ? h('span', { class: 'frame-id' }, `#${JSON.stringify(m.id)}`) : null,
        h('span', { class: 'frame-preview' }, preview(f)),
        h('span', { class: 'frame-size' }, `${f.size} B`)),
      body);
    r.firstChild.addEventListener('click', () => {
      if (!body.childElementCount) {
        body.append(
          h('div', { class: 'frame-actions' }, copyButton(() => (f.message ? JSON.stringify(f.message, null, 2) : f.text))),
          f.message ? jsonView(f.message) : h('pre', { class: 'text' }, f.text + (f.size > (f.text || '').length ? '\n… (truncated)' : '')));
      }
      body.hidden = !body.hidden;
      r.classList.toggle('open', !body.hidden);
    });
    return r;
  };

  const draw = () => {
    const shown = frames.filter(matches);
    count.textContent = `${shown.length} of ${frames.length} frames`;
    list.replaceChildren(...shown.slice(-SHOW).map(row));
    if (!shown.length) list.append(empty(frames.length ? 'No frame matches.' : 'No frames yet.'));
    if (follow.checked) list.scrollTop = list.scrollHeight;
  };
  const redraw = debounce(draw, 120);

  const add = (f) => {
    if (seen.has(f.seq)) return false;
    seen.add(f.seq);
    const m = f.message;
    if (kindOf(m) === 'request') methods.set(`${f.generation}:${f.dir}:${JSON.stringify(m.id)}`, m.method);
    frames.push(f);
    if (frames.length > KEEP) frames.splice(0, frames.length - KEEP);
    ctx.setCount('history', frames.length);
    return true;
  };

  filter.addEventListener('input', redraw);
  dir.addEventListener('change', draw);
  follow.addEventListener('change', () => { if (follow.checked) list.scrollTop = list.scrollHeight; });
  clear.addEventListener('click', async () => {
    await api('DELETE', '/api/history');
    frames.length = 0;
    ctx.setCount('history', 0);
    draw();
  });

  return {
    el,
    async load() {
      const r = await get('/api/history?limit=5000');
      for (const f of r.frames || []) add(f);
      frames.sort((a, b) => a.seq - b.seq);
      if (el.isConnected) draw();
      else count.textContent = `${frames.length} frames`;
    },
    frame(f) {
      if (!add(f)) return;
      if (!el.isConnected) return;
      // Appending keeps an expanded row open; a full redraw would close it.
      if (matches(f)) {
        const placeholder = list.querySelector('.empty');
        if (placeholder) placeholder.remove();
        list.append(row(f));
        while (list.childElementCount > SHOW) list.firstChild.remove();
        count.textContent = `${frames.filter(matches).length} of ${frames.length} frames`;
        if (follow.checked) list.scrollTop = list.scrollHeight;
      }
    },
    shown() { draw(); },
  };
}
