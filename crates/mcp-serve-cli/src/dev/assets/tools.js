// The Tools tab: every tool with a form generated from its input schema,
// Run / Cancel, live progress and logs, and the result by content type.

import { h, jsonView } from './dom.js';
import { post } from './api.js';
import { schemaForm } from './forms.js';
import { toolResult } from './render.js';
import { createRunner } from './runner.js';
import { catalog } from './catalog.js';

const HINTS = [
  ['readOnlyHint', 'read-only', 'ok'],
  ['destructiveHint', 'destructive', 'warn'],
  ['idempotentHint', 'idempotent', ''],
  ['openWorldHint', 'open world', ''],
];

function badges(tool) {
  const a = tool.annotations || {};
  return HINTS.filter(([k]) => a[k] === true).map(([, text, cls]) => ({ text, cls }));
}

function schemaDetails(title, schema) {
  return h('details', { class: 'schema-details' }, h('summary', null, title), jsonView(schema));
}

function panel(tool, ctx) {
  const form = schemaForm(tool.inputSchema || { type: 'object' }, { prefix: `tool-${tool.name}` });
  const runner = createRunner({
    label: 'Run tool',
    collect: () => {
      const { value, errors } = form.value();
      return errors.length ? null : value;
    },
    start: (callId, args) => post('/api/tools/call', { name: tool.name, arguments: args, callId }),
    render: (result, ms) => toolResult(result, ctx, ms),
  });
  // Enter in a one-line field runs the tool, as in any form.
  form.el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement && !e.defaultPrevented) {
      e.preventDefault();
      runner.run();
    }
  });
  return h('div', { class: 'panel', 'data-testid': `tool-${tool.name}` },
    h('div', { class: 'panel-head' },
      h('h2', null, tool.title || tool.name),
      tool.title ? h('code', { class: 'panel-key' }, tool.name) : null,
      ...badges(tool).map((b) => h('span', { class: `badge ${b.cls}` }, b.text))),
    tool.description ? h('p', { class: 'description' }, tool.description) : null,
    h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Arguments'), form.el, runner.el),
    h('div', { class: 'schemas' },
      schemaDetails('Input schema', tool.inputSchema ?? {}),
      tool.outputSchema ? schemaDetails('Output schema', tool.outputSchema) : null));
}

export function toolsView(ctx) {
  const view = catalog({
    name: 'tools',
    sections: [{ key: 'tools', title: 'Tools' }],
    describe: (t) => ({ key: t.name, name: t.name, title: t.title, text: t.description, badges: badges(t) }),
    panel: (t) => panel(t, ctx),
    emptyText: 'This server has no tools.',
  });
  return {
    el: view.el,
    update(lists) {
      view.setItems(lists.tools, lists.errors.tools);
    },
  };
}
