// The Resources tab: fixed resources (read and render) and resource
// templates (fill the variables, with completions, see the URI, read it).

import { h, clock } from './dom.js';
import { post } from './api.js';
import { schemaForm, attachCompletion } from './forms.js';
import { readResult } from './render.js';
import { createRunner } from './runner.js';
import { catalog } from './catalog.js';

/** The variable names of an RFC 6570 URI template, in order. */
export function templateVariables(template) {
  const names = [];
  for (const m of String(template).matchAll(/\{[+#./;?&]?([^}]+)\}/g)) {
    for (const raw of m[1].split(',')) {
      const name = raw.trim().replace(/\*$|:\d+$/, '');
      if (name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** Expands a URI template (RFC 6570 level 3 operators). */
export function expandTemplate(template, values) {
  return String(template).replace(/\{([+#./;?&]?)([^}]+)\}/g, (_, op, list) => {
    const reserved = op === '+' || op === '#';
    const enc = (v) => (reserved ? encodeURI(v) : encodeURIComponent(v));
    const parts = list.split(',').map((raw) => raw.trim().replace(/\*$|:\d+$/, ''))
      .filter((n) => values[n] !== undefined && values[n] !== '')
      .map((n) => ({ n, v: enc(String(values[n])) }));
    if (!parts.length) return '';
    switch (op) {
      case '#': return `#${parts.map((p) => p.v).join(',')}`;
      case '.': return `.${parts.map((p) => p.v).join('.')}`;
      case '/': return `/${parts.map((p) => p.v).join('/')}`;
      case ';': return parts.map((p) => `;${p.n}=${p.v}`).join('');
      case '?': return `?${parts.map((p) => `${p.n}=${p.v}`).join('&')}`;
      case '&': return `&${parts.map((p) => `${p.n}=${p.v}`).join('&')}`;
      default: return parts.map((p) => p.v).join(',');
    }
  });
}

// The open resource panels by URI, so subscription changes and
// notifications/resources/updated reach them.
const watchers = new Map();

/**
 * Subscribe/Unsubscribe for one resource (when the server offers
 * subscriptions). An update shows when it came and reads the resource again
 * if it was read before.
 */
function subscription(r, ctx, runner) {
  if (!ctx.canSubscribe()) return null;
  const button = h('button', { class: 'btn', type: 'button', 'data-testid': 'subscribe' }, 'Subscribe');
  const seen = h('span', { class: 'badge subtle', hidden: true, 'data-testid': 'resource-updated' });
  let subscribed = false;
  let read = false;
  const set = (on) => {
    subscribed = on;
    button.textContent = on ? 'Unsubscribe' : 'Subscribe';
    button.classList.toggle('primary', on);
    button.title = on ? 'The server tells the inspector when this resource changes (notifications/resources/updated).' : '';
  };
  button.addEventListener('click', async () => {
    const want = !subscribed;
    button.disabled = true;
    const res = await post(want ? '/api/resources/subscribe' : '/api/resources/unsubscribe', { uri: r.uri });
    button.disabled = false;
    if (!res.ok) ctx.toast(res.error?.message || 'the subscription failed');
    else set(want);
  });
  runner.el.addEventListener('click', (e) => { if (e.target.dataset?.testid === 'run') read = true; });
  set(ctx.subscribed(r.uri));
  watchers.set(r.uri, {
    set,
    updated() {
      seen.hidden = false;
      seen.textContent = `updated ${clock(Date.now())}`;
      if (read) runner.run();
    },
  });
  return h('div', { class: 'subscription' }, button, seen);
}

function resourcePanel(r, ctx) {
  const runner = createRunner({
    label: 'Read',
    start: (callId) => post('/api/resources/read', { uri: r.uri, callId }),
    render: (result, ms) => readResult(result, ctx, ms),
  });
  return h('div', { class: 'panel', 'data-testid': `resource-${r.name}` },
    h('div', { class: 'panel-head' }, h('h2', null, r.title || r.name), r.mimeType ? h('span', { class: 'badge subtle' }, r.mimeType) : null),
    h('code', { class: 'uri big' }, r.uri),
    r.description ? h('p', { class: 'description' }, r.description) : null,
    subscription(r, ctx, runner),
    h('div', { class: 'card' }, runner.el));
}

function templatePanel(t, ctx) {
  const vars = templateVariables(t.uriTemplate);
  const schema = { type: 'object', properties: Object.fromEntries(vars.map((v) => [v, { type: 'string' }])), required: vars };
  const form = schemaForm(schema, { prefix: `tpl-${t.name}`, jsonSwitch: false });
  const preview = h('code', { class: 'uri big', 'data-testid': 'expanded-uri' });
  const current = () => form.value().value || {};
  const refresh = () => { preview.textContent = expandTemplate(t.uriTemplate, current()); };
  form.el.addEventListener('input', refresh);
  refresh();
  if (ctx.canComplete()) {
    for (const [name, input] of form.inputs) {
      attachCompletion(input, async (value) => {
        const others = Object.fromEntries(Object.entries(current()).filter(([k]) => k !== name));
        return ctx.complete({ type: 'ref/resource', uri: t.uriTemplate }, name, value, others);
      });
    }
  }
  const runner = createRunner({
    label: 'Read',
    collect: () => {
      const { value, errors } = form.value();
      return errors.length ? null : value;
    },
    start: (callId, values) => post('/api/resources/read', { uri: expandTemplate(t.uriTemplate, values), callId }),
    render: (result, ms) => readResult(result, ctx, ms),
  });
  return h('div', { class: 'panel', 'data-testid': `template-${t.name}` },
    h('div', { class: 'panel-head' }, h('h2', null, t.title || t.name), h('span', { class: 'badge' }, 'template'), t.mimeType ? h('span', { class: 'badge subtle' }, t.mimeType) : null),
    h('code', { class: 'uri big muted' }, t.uriTemplate),
    t.description ? h('p', { class: 'description' }, t.description) : null,
    h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Variables'), form.el, h('div', { class: 'expanded' }, h('span', { class: 'muted small' }, 'URI'), preview), runner.el));
}

export function resourcesView(ctx) {
  const view = catalog({
    name: 'resources',
    sections: [{ key: 'resources', title: 'Resources' }, { key: 'templates', title: 'Templates' }],
    describe: (x) => x.uriTemplate !== undefined
      ? { key: `t:${x.uriTemplate}`, name: x.name, title: x.title, text: x.uriTemplate, section: 'templates' }
      : { key: `r:${x.uri}`, name: x.name, title: x.title, text: x.uri, section: 'resources' },
    panel: (x) => (x.uriTemplate !== undefined ? templatePanel(x, ctx) : resourcePanel(x, ctx)),
    emptyText: 'This server has no resources.',
  });
  return {
    el: view.el,
    update(lists) {
      const all = [...(lists.resources || []), ...(lists.templates || [])];
      view.setItems(all, lists.errors.resources && lists.errors.templates ? lists.errors.resources : null);
    },
    /** The URIs the inspector is subscribed to (from the state). */
    subscriptions(uris) {
      for (const [uri, w] of watchers) w.set(uris.includes(uri));
    },
    /** notifications/resources/updated */
    updated(uri) {
      watchers.get(uri)?.updated();
    },
  };
}
