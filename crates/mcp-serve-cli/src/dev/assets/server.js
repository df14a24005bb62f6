// The Server, Roots and Logs tabs.

import { h, mount, jsonView, clock, empty } from './dom.js';
import { get, put } from './api.js';

/** Server identity, era, capabilities and instructions. */
export function serverView() {
  const el = h('div', { class: 'page', 'data-testid': 'server-view' });
  return {
    el,
    update(state) {
      const s = state?.server;
      if (!s) {
        mount(el, empty('Not connected.', state?.phase?.message || 'Waiting for the server…'));
        return;
      }
      const caps = s.capabilities || {};
      const row = (k, v) => h('div', { class: 'kv' }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v));
      mount(el,
        h('div', { class: 'page-head' }, h('h2', null, s.title || s.name || 'Server'), h('span', { class: `badge era ${s.era}` }, `${s.era} · ${s.protocolVersion}`)),
        h('div', { class: 'grid2' },
          h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Identity'),
            row('Name', h('code', null, s.name ?? '—')),
            row('Version', h('code', null, s.version ?? '—')),
            s.title ? row('Title', s.title) : null,
            s.info?.websiteUrl ? row('Website', h('code', null, s.info.websiteUrl)) : null,
            row('Target', h('code', { class: 'wrap' }, state.target))),
          h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Protocol'),
            row('Era', s.era === 'modern' ? 'modern (stateless requests with _meta)' : 'legacy (initialize handshake, session)'),
            row('Version', h('code', null, s.protocolVersion)),
            Array.isArray(s.supportedVersions) ? row('Server supports', s.supportedVersions.join(', ')) : null,
            row('Capabilities', h('div', { class: 'chips' }, Object.keys(caps).length ? Object.keys(caps).map((c) => h('span', { class: 'chip' }, c)) : h('span', { class: 'muted' }, 'none'))))),
        h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Instructions'),
          s.instructions ? h('div', { class: 'instructions', 'data-testid': 'instructions' }, s.instructions) : h('div', { class: 'muted' }, 'The server gave no instructions.')),
        h('details', { class: 'card' }, h('summary', { class: 'card-title' }, 'Capabilities (JSON)'), jsonView(caps)));
    },
  };
}

/** The roots the inspector shares (default: the working directory). */
export function rootsView(ctx) {
  const rows = h('div', { class: 'roots' });
  const status = h('span', { class: 'muted small' });
  const save = h('button', { class: 'btn primary', type: 'button', 'data-testid': 'roots-save' }, 'Save roots');
  const add = h('button', { class: 'btn', type: 'button' }, '+ Add root');
  const el = h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h2', null, 'Roots')),
    h('p', { class: 'description' }, 'The folders the inspector shares with the server when it asks (roots/list). Legacy sessions are sent notifications/roots/list_changed when you save.'),
    h('div', { class: 'card' }, rows, h('div', { class: 'run-actions' }, add, save, status)));
  const addRow = (r = { uri: 'file:///', name: '' }) => {
    const uri = h('input', { type: 'text', value: r.uri, class: 'mono', placeholder: 'file:///path/to/folder' });
    const name = h('input', { type: 'text', value: r.name || '', placeholder: 'name (optional)' });
    const remove = h('button', { class: 'btn tiny ghost', type: 'button', title: 'Remove' }, '✕');
    const row = h('div', { class: 'root-row', 'data-testid': 'root-row' }, uri, name, remove);
    remove.addEventListener('click', () => row.remove());
    rows.append(row);
  };
  add.addEventListener('click', () => addRow());
  save.addEventListener('click', async () => {
    const roots = [...rows.querySelectorAll('.root-row')].map((r) => {
      const [uri, name] = r.querySelectorAll('input');
      return name.value.trim() ? { uri: uri.value.trim(), name: name.value.trim() } : { uri: uri.value.trim() };
    });
    const r = await put('/api/roots', { roots });
    status.textContent = r.ok ? 'Saved.' : r.error?.message || 'Not saved.';
    if (r.ok) ctx.setCount('roots', roots.length);
  });
  let shown = null;
  return {
    el,
    update(state) {
      const roots = state?.roots || [];
      const key = JSON.stringify(roots);
      ctx.setCount('roots', roots.length);
      if (key === shown) return;
      shown = key;
      rows.replaceChildren();
      roots.forEach(addRow);
    },
  };
}

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Log messages (notifications/message), other notifications, and the server's stderr. */
export function logsView(ctx) {
  const logs = h('ul', { class: 'log-list', 'data-testid': 'log-list' });
  const notes = h('ul', { class: 'log-list', 'data-testid': 'notification-list' });
  const stderr = h('pre', { class: 'stderr', 'data-testid': 'stderr' });
  const min = h('select', null, LEVELS.map((l) => h('option', { value: l }, `${l} and above`)));
  let count = 0;
  const el = h('div', { class: 'page logs-page' },
    h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Log messages', h('span', { class: 'spacer' }), h('label', { class: 'muted small' }, 'Show ', min)), logs),
    h('div', { class: 'grid2' },
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Notifications'), notes),
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Server stderr and build output'), stderr)));
  const visible = (level) => LEVELS.indexOf(level) < 0 || LEVELS.indexOf(level) >= LEVELS.indexOf(min.value);
  const stick = (box) => box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const trim = (box, max) => { while (box.childElementCount > max) box.firstChild.remove(); };
  min.addEventListener('change', () => {
    for (const li of logs.children) li.hidden = !visible(li.dataset.level);
  });
  return {
    el,
    async load() {
      const r = await get('/api/logs');
      for (const l of r.logs || []) this.log(l);
      for (const s of r.stderr || []) this.stderr(s);
    },
    log(line) {
      const bottom = stick(logs);
      const data = typeof line.data === 'string' ? line.data : JSON.stringify(line.data);
      const li = h('li', { class: `log-line level-${line.level}`, 'data-testid': 'log-line', dataset: { level: line.level } },
        h('span', { class: 'log-time' }, clock(line.ts)),
        h('span', { class: 'log-level' }, line.level),
        line.logger ? h('span', { class: 'log-logger' }, line.logger) : null,
        h('span', { class: 'log-data' }, data));
      li.hidden = !visible(line.level);
      logs.append(li);
      trim(logs, 1000);
      if (bottom) logs.scrollTop = logs.scrollHeight;
      ctx.setCount('logs', ++count);
    },
    notification(ev) {
      notes.append(h('li', { class: 'log-line' }, h('span', { class: 'log-time' }, clock(Date.now())), h('span', { class: 'log-level' }, ev.method.replace('notifications/', '')), h('span', { class: 'log-data' }, JSON.stringify(ev.params ?? {}))));
      trim(notes, 300);
    },
    stderr(line) {
      const bottom = stick(stderr);
      stderr.append(line + '\n');
      // Keep the last few hundred lines.
      if (stderr.childNodes.length > 800) for (let i = 0; i < 200; i++) stderr.firstChild.remove();
      if (bottom) stderr.scrollTop = stderr.scrollHeight;
    },
  };
}
