// The inspector page: header (server, era, status), banners (building,
// failed, exited), the sidebar tabs, and the live event stream that keeps
// them current. Lists reload when a new connection comes up (restart,
// rebuild) and when the server says they changed.

import { h, mount } from './dom.js';
import { token, get, post, put, streamEvents } from './api.js';
import { toolsView } from './tools.js';
import { resourcesView } from './resources.js';
import { promptsView } from './prompts.js';
import { historyView } from './history.js';
import { serverView, rootsView, logsView } from './server.js';
import { inputsDialog } from './inputs.js';
import { routeProgress, routeLog } from './runner.js';

const $ = (sel) => document.querySelector(sel);
const TAB_KEY = 'mcp-serve-inspector-tab';

const store = {
  state: null,
  loadedGeneration: null,
  stream: 'connecting',
  lists: { tools: [], resources: [], templates: [], prompts: [], errors: {} },
};

const toastRoot = h('div', { class: 'toasts' });
document.body.append(toastRoot);

const ctx = {
  setCount(tab, n) {
    const el = $(`#count-${tab}`);
    if (el) el.textContent = n ? String(n) : '';
  },
  canComplete: () => Boolean(store.state?.server?.capabilities?.completions),
  async complete(ref, name, value, others) {
    const r = await post('/api/complete', { ref, argument: { name, value }, context: { arguments: others } });
    return r.ok ? r.result?.completion : null;
  },
  readResource: (uri) => post('/api/resources/read', { uri }),
  canSubscribe: () => Boolean(store.state?.server?.capabilities?.resources?.subscribe),
  subscribed: (uri) => (store.state?.subscriptions || []).includes(uri),
  toast(text) {
    const t = h('div', { class: 'toast' }, text);
    toastRoot.append(t);
    setTimeout(() => t.remove(), 5000);
  },
};

const views = {
  server: serverView(ctx),
  tools: toolsView(ctx),
  resources: resourcesView(ctx),
  prompts: promptsView(ctx),
  roots: rootsView(ctx),
  logs: logsView(ctx),
  history: historyView(ctx),
};
const dialog = inputsDialog($('#dialog-root'), ctx);

// --- tabs ---------------------------------------------------------------------------------

function show(tab) {
  if (!views[tab]) tab = 'tools';
  sessionStorage.setItem(TAB_KEY, tab);
  for (const b of document.querySelectorAll('.nav-item')) b.classList.toggle('active', b.dataset.tab === tab);
  mount($('#main'), views[tab].el);
  views[tab].shown?.();
}
for (const b of document.querySelectorAll('.nav-item')) b.addEventListener('click', () => show(b.dataset.tab));

// --- lists --------------------------------------------------------------------------------

const LISTS = {
  tools: { path: '/api/tools', key: 'tools', cap: 'tools' },
  resources: { path: '/api/resources', key: 'resources', cap: 'resources' },
  templates: { path: '/api/resource-templates', key: 'resourceTemplates', cap: 'resources' },
  prompts: { path: '/api/prompts', key: 'prompts', cap: 'prompts' },
};

async function loadLists(which = Object.keys(LISTS)) {
  const caps = store.state?.server?.capabilities || {};
  await Promise.all(which.map(async (name) => {
    const spec = LISTS[name];
    if (!caps[spec.cap]) {
      store.lists[name] = [];
      store.lists.errors[name] = `The server does not offer ${spec.cap} (no \`${spec.cap}\` capability).`;
      return;
    }
    const r = await get(spec.path);
    store.lists[name] = r.ok ? r.result?.[spec.key] || [] : [];
    store.lists.errors[name] = r.ok ? null : r.error?.message || 'failed to list';
  }));
  ctx.setCount('tools', store.lists.tools.length);
  ctx.setCount('resources', store.lists.resources.length + store.lists.templates.length);
  ctx.setCount('prompts', store.lists.prompts.length);
  views.tools.update(store.lists);
  views.resources.update(store.lists);
  views.prompts.update(store.lists);
}

// --- header and banners -------------------------------------------------------------------

function statusOf(s) {
  const building = s.build?.state === 'running';
  switch (s.phase?.name) {
    case 'connected': return building ? ['rebuilding', 'rebuilding…'] : ['connected', 'connected'];
    case 'starting': return building ? ['starting', 'building…'] : ['starting', 'starting…'];
    case 'failed': return ['failed', building ? 'building…' : 'failed to start'];
    case 'exited': return ['exited', building ? 'building…' : 'exited'];
    default: return ['stopped', s.phase?.name || 'unknown'];
  }
}

function header(s) {
  const srv = s.server;
  const name = $('.server-name');
  name.textContent = srv?.title || srv?.name || s.target;
  name.classList.toggle('pending', !srv);
  $('.server-version').textContent = srv?.version ? `v${srv.version}` : '';
  const era = $('.badge.era');
  era.hidden = !srv;
  if (srv) {
    era.textContent = `${srv.era} · ${srv.protocolVersion}`;
    era.className = `badge era ${srv.era}`;
    era.title = srv.era === 'modern' ? 'Stateless requests carrying _meta (2026-07-28)' : 'An initialize handshake and a session';
  }
  const [cls, text] = statusOf(s);
  const pill = $('.status-pill');
  pill.className = `status-pill ${cls}`;
  pill.querySelector('.status-text').textContent = text;
  $('#target').textContent = s.target;
  // A URL is reconnected to; a command is restarted (and rebuilt, for cargo).
  $('#restart').textContent = isUrl(s) ? 'Reconnect' : 'Restart';
  document.title = `${srv?.name ?? 'mcp-serve'} · inspector`;
  const select = $('#log-level');
  if (!select.childElementCount) for (const l of s.logLevels || []) select.append(h('option', { value: l }, l));
  select.value = s.logLevel;
}

const restartButton = (label = 'Restart') => h('button', { class: 'btn', type: 'button', 'data-testid': 'banner-restart', onclick: restart }, label);

const isUrl = (s) => /^https?:\/\//.test(s?.target ?? '');

function banner(kind, testid, title, ...body) {
  return h('div', { class: `banner ${kind}`, 'data-testid': testid }, h('div', { class: 'banner-title' }, title), ...body);
}

function banners(s) {
  const out = [];
  if (store.stream === 'unauthorized') {
    out.push(banner('error', 'banner-auth', 'This page has no valid token',
      h('div', null, 'Open the inspector with the URL mcp-serve dev printed in the terminal (it ends in #token=…).')));
  } else if (store.stream === 'closed') {
    out.push(banner('warn', 'banner-stream', 'Lost the connection to mcp-serve dev — retrying…', h('div', null, 'Is it still running in the terminal?')));
  }
  const b = s?.build;
  const connected = s?.phase?.name === 'connected';
  if (b?.state === 'running') {
    out.push(banner('info', 'banner-building', h('span', null, h('span', { class: 'spinner' }), connected ? 'Rebuilding… ' : 'Building… ', h('code', null, b.command)),
      // The build's latest line, updated as it prints.
      h('div', { class: 'build-line' })));
  } else if (b?.state === 'failed') {
    out.push(banner('error', 'banner-build-failed', h('span', null, 'Build failed: ', h('code', null, b.command)),
      connected ? h('div', null, 'The previous server keeps running. Fix the error and save, or press Restart.') : null,
      h('pre', { class: 'banner-log' }, (b.output || []).join('\n'))));
  }
  if (s?.phase?.name === 'starting' && b?.state !== 'running') {
    out.push(banner('info', 'banner-starting', h('span', null, h('span', { class: 'spinner' }), isUrl(s) ? 'Connecting to ' : 'Starting ', h('code', null, s.target), '…')));
  } else if (s?.phase?.name === 'failed' && b?.state !== 'failed') {
    out.push(banner('error', 'banner-failed', isUrl(s) ? 'Cannot reach the server' : 'The server failed to start',
      h('div', { class: 'banner-message' }, s.phase.message),
      s.phase.stderr?.length ? h('pre', { class: 'banner-log' }, s.phase.stderr.join('\n')) : null,
      h('div', { class: 'banner-actions' }, restartButton('Try again'))));
  } else if (s?.phase?.name === 'exited') {
    out.push(banner('warn', 'banner-exited', 'The server exited',
      h('div', { class: 'banner-message' }, s.phase.message),
      s.phase.stderr?.length ? h('pre', { class: 'banner-log' }, s.phase.stderr.join('\n')) : null,
      h('div', { class: 'banner-actions' }, restartButton())));
  }
  mount($('#banners'), out);
}

async function restart() {
  const r = await post('/api/restart');
  if (!r.ok) ctx.toast(r.error?.message || 'restart failed');
}

// --- events -------------------------------------------------------------------------------

function onState(s) {
  store.state = s;
  header(s);
  banners(s);
  views.server.update(s);
  views.roots.update(s);
  views.resources.subscriptions(s.subscriptions || []);
  dialog.reset(s.inputs);
  if (s.phase?.name === 'connected' && store.loadedGeneration !== s.generation) {
    store.loadedGeneration = s.generation;
    loadLists();
  } else if (store.loadedGeneration === null && s.phase?.name !== 'connected') {
    // Nothing was ever listed: say why instead of showing empty panes.
    const why = s.phase?.name === 'starting' ? 'Waiting for the server…' : 'No server is connected (see above).';
    for (const k of Object.keys(LISTS)) store.lists.errors[k] = why;
    views.tools.update(store.lists);
    views.resources.update(store.lists);
    views.prompts.update(store.lists);
  }
}

const LIST_CHANGED = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/resources/list_changed': ['resources', 'templates'],
  'notifications/prompts/list_changed': ['prompts'],
};

function onEvent(ev) {
  switch (ev.type) {
    case 'state': onState(ev); break;
    case 'frame': views.history.frame(ev); break;
    case 'progress': routeProgress(ev); break;
    case 'log': routeLog(ev); views.logs.log(ev); break;
    case 'stderr':
      views.logs.stderr(ev.line);
      if (ev.source === 'build') $('#banners .build-line')?.replaceChildren(ev.line);
      break;
    case 'input': dialog.add(ev); break;
    case 'inputDone': dialog.done(ev.id); break;
    case 'notification':
      views.logs.notification(ev);
      if (LIST_CHANGED[ev.method]) loadLists(LIST_CHANGED[ev.method]);
      if (ev.method === 'notifications/resources/updated') views.resources.updated(ev.params?.uri);
      break;
    case 'resync': views.history.load(); get('/api/state').then((s) => s.phase && onState(s)); break;
    default: break;
  }
}

function onStream(status) {
  const was = store.stream;
  store.stream = status;
  $('#stream').className = `stream-indicator ${status}`;
  $('#stream').title = status === 'open' ? 'Live' : 'Reconnecting…';
  if (status !== was) banners(store.state);
  // After a gap, fetch what was missed.
  if (status === 'open' && was === 'closed') views.history.load();
}

$('#restart').addEventListener('click', restart);
$('#log-level').addEventListener('change', async (e) => {
  const r = await put('/api/log-level', { level: e.target.value });
  if (!r.ok) ctx.toast(r.error?.message || 'could not set the log level');
});

show(sessionStorage.getItem(TAB_KEY) || 'tools');
if (!token) onStream('unauthorized');
else {
  views.history.load();
  views.logs.load();
  streamEvents(onEvent, onStream);
}
