// The Prompts tab: argument forms (with completions as you type), get the
// prompt, and see its messages.

import { h } from './dom.js';
import { post } from './api.js';
import { schemaForm, argumentsSchema, attachCompletion } from './forms.js';
import { promptResult } from './render.js';
import { createRunner } from './runner.js';
import { catalog } from './catalog.js';

function panel(p, ctx) {
  const form = schemaForm(argumentsSchema(p.arguments), { prefix: `prompt-${p.name}` });
  const current = () => form.value().value || {};
  if (ctx.canComplete()) {
    for (const [name, input] of form.inputs) {
      attachCompletion(input, async (value) => {
        const others = Object.fromEntries(Object.entries(current()).filter(([k]) => k !== name));
        return ctx.complete({ type: 'ref/prompt', name: p.name }, name, value, others);
      });
    }
  }
  const runner = createRunner({
    label: 'Get prompt',
    collect: () => {
      const { value, errors } = form.value();
      return errors.length ? null : value;
    },
    start: (callId, args) => post('/api/prompts/get', { name: p.name, arguments: args, callId }),
    render: (result, ms) => promptResult(result, ctx, ms),
  });
  return h('div', { class: 'panel', 'data-testid': `prompt-${p.name}` },
    h('div', { class: 'panel-head' }, h('h2', null, p.title || p.name), p.title ? h('code', { class: 'panel-key' }, p.name) : null),
    p.description ? h('p', { class: 'description' }, p.description) : null,
    h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Arguments'), form.el, runner.el));
}

export function promptsView(ctx) {
  const view = catalog({
    name: 'prompts',
    sections: [{ key: 'prompts', title: 'Prompts' }],
    describe: (p) => ({
      key: p.name,
      name: p.name,
      title: p.title,
      text: p.description,
      badges: (p.arguments || []).length ? [{ text: `${p.arguments.length} arg${p.arguments.length > 1 ? 's' : ''}` }] : [],
    }),
    panel: (p) => panel(p, ctx),
    emptyText: 'This server has no prompts.',
  });
  return {
    el: view.el,
    update(lists) {
      view.setItems(lists.prompts, lists.errors.prompts);
    },
  };
}
