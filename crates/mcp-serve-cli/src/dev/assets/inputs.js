// The server's questions, answered from the page: elicitation forms
// (generated from requestedSchema; accept / decline / cancel), URL
// elicitation (see the URL and its host, open it, accept / decline), and
// sampling (read the messages, type the assistant's reply, or reject).

import { h } from './dom.js';
import { post } from './api.js';
import { schemaForm } from './forms.js';
import { message } from './render.js';

export function inputsDialog(root, ctx) {
  const queue = []; // pending inputs, oldest first
  let shownId = null;

  const answer = async (id, body) => {
    const r = await post(`/api/inputs/${id}`, body);
    if (!r.ok && r.status !== 404) ctx.toast(r.error?.message || 'the answer was not accepted');
    remove(id);
  };

  const remove = (id) => {
    const i = queue.findIndex((x) => x.id === id);
    if (i >= 0) queue.splice(i, 1);
    draw();
  };

  const frame = (input, title, body, actions) => h('div', { class: 'overlay' },
    h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'data-testid': 'input-dialog', 'data-method': input.method },
      h('div', { class: 'dialog-head' },
        h('span', { class: 'badge accent' }, input.method),
        h('h3', null, title),
        queue.length > 1 ? h('span', { class: 'muted small' }, `1 of ${queue.length} waiting`) : null),
      h('div', { class: 'dialog-body' }, body),
      h('div', { class: 'dialog-actions' }, actions)));

  const elicitForm = (input) => {
    const p = input.params || {};
    const form = schemaForm(p.requestedSchema || { type: 'object', properties: {} }, { prefix: `elicit-${input.id}`, jsonSwitch: false });
    const accept = h('button', { class: 'btn primary', type: 'button', 'data-testid': 'input-accept' }, 'Accept');
    accept.addEventListener('click', () => {
      const { value, errors } = form.value();
      if (!errors.length) answer(input.id, { result: { action: 'accept', content: value } });
    });
    return frame(input, 'The server asks for input',
      [h('p', { class: 'dialog-message', 'data-testid': 'input-message' }, p.message ?? ''), form.el],
      [h('button', { class: 'btn ghost', type: 'button', 'data-testid': 'input-cancel', onclick: () => answer(input.id, { result: { action: 'cancel' } }) }, 'Cancel'),
        h('button', { class: 'btn', type: 'button', 'data-testid': 'input-decline', onclick: () => answer(input.id, { result: { action: 'decline' } }) }, 'Decline'),
        accept]);
  };

  const elicitUrl = (input) => {
    const p = input.params || {};
    let url = null;
    try {
      url = new URL(p.url);
    } catch { /* shown as text below */ }
    const safe = url && (url.protocol === 'https:' || url.protocol === 'http:');
    const open = h('button', { class: 'btn primary', type: 'button', 'data-testid': 'input-open', disabled: !safe }, 'Open and accept');
    open.addEventListener('click', () => {
      window.open(url.href, '_blank', 'noopener,noreferrer');
      answer(input.id, { result: { action: 'accept' } });
    });
    return frame(input, 'The server wants to send you to a web page',
      [h('p', { class: 'dialog-message', 'data-testid': 'input-message' }, p.message ?? ''),
        h('div', { class: 'url-box' },
          h('div', { class: 'muted small' }, 'Site'),
          h('div', { class: 'url-host' }, url ? url.host : '(not a valid URL)'),
          h('code', { class: 'uri', 'data-testid': 'input-url' }, p.url ?? '')),
        safe ? null : h('div', { class: 'error-message' }, 'Only http and https URLs can be opened.')],
      [h('button', { class: 'btn ghost', type: 'button', 'data-testid': 'input-cancel', onclick: () => answer(input.id, { result: { action: 'cancel' } }) }, 'Cancel'),
        h('button', { class: 'btn', type: 'button', 'data-testid': 'input-decline', onclick: () => answer(input.id, { result: { action: 'decline' } }) }, 'Decline'),
        h('button', { class: 'btn', type: 'button', 'data-testid': 'input-accept', onclick: () => answer(input.id, { result: { action: 'accept' } }) }, 'Accept without opening'),
        open]);
  };

  const sampling = (input) => {
    const p = input.params || {};
    const reply = h('textarea', { rows: 4, placeholder: 'Type the assistant’s reply…', 'data-testid': 'sampling-reply' });
    const model = h('input', { type: 'text', value: 'mcp-serve-inspector', 'data-testid': 'sampling-model' });
    const send = h('button', { class: 'btn primary', type: 'button', 'data-testid': 'input-accept' }, 'Send reply');
    send.addEventListener('click', () => {
      if (!reply.value.trim()) {
        reply.focus();
        return;
      }
      answer(input.id, {
        result: { role: 'assistant', content: { type: 'text', text: reply.value }, model: model.value || 'mcp-serve-inspector', stopReason: 'endTurn' },
      });
    });
    const hints = (p.modelPreferences?.hints || []).map((x) => x.name).filter(Boolean);
    return frame(input, 'The server asks your model for a message',
      [p.systemPrompt ? h('div', { class: 'system-prompt' }, h('div', { class: 'muted small' }, 'System prompt'), h('div', null, p.systemPrompt)) : null,
        h('div', { class: 'messages' }, (p.messages || []).map((m) => message(m, ctx))),
        h('div', { class: 'muted small sampling-meta' },
          `max tokens: ${p.maxTokens ?? '—'}`,
          hints.length ? ` · model hints: ${hints.join(', ')}` : '',
          p.includeContext ? ` · include context: ${p.includeContext}` : ''),
        h('label', { class: 'field-label' }, h('span', { class: 'field-name' }, 'Assistant reply'), h('span', { class: 'req' }, '*')), reply,
        h('label', { class: 'field-label' }, h('span', { class: 'field-name' }, 'Model name')), model],
      [h('button', { class: 'btn', type: 'button', 'data-testid': 'input-decline', onclick: () => answer(input.id, { error: { code: -1, message: 'User rejected sampling request' } }) }, 'Reject'),
        send]);
  };

  const draw = () => {
    const next = queue[0];
    if (!next) {
      shownId = null;
      root.replaceChildren();
      return;
    }
    if (shownId === next.id) {
      root.querySelector('.dialog-head .small')?.replaceChildren(queue.length > 1 ? `1 of ${queue.length} waiting` : '');
      return;
    }
    shownId = next.id;
    const isUrl = next.method === 'elicitation/create' && next.params?.mode === 'url';
    const dialog = next.method === 'sampling/createMessage' ? sampling(next) : isUrl ? elicitUrl(next) : elicitForm(next);
    root.replaceChildren(dialog);
    dialog.querySelector('input, textarea, select, .btn.primary')?.focus();
  };

  return {
    /** The full list (from a state snapshot). */
    reset(inputs) {
      queue.splice(0, queue.length, ...(inputs || []));
      draw();
    },
    add(input) {
      if (!queue.some((x) => x.id === input.id)) queue.push(input);
      draw();
    },
    done: remove,
  };
}
