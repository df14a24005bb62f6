// Results, drawn by content type: text (JSON text pretty-printed), images as
// <img>, audio as <audio>, resource links that read the resource when
// clicked, embedded resources, structuredContent, prompt messages. Binary
// data only ever becomes a data: URI of a checked media type.

import { h, jsonView, copyButton, isObject } from './dom.js';

const BASE64 = /^[A-Za-z0-9+/=\s]*$/;
const MEDIA = /^[a-z]+\/[a-z0-9.+-]+$/i;

function dataUri(mime, data, family) {
  if (typeof data !== 'string' || !BASE64.test(data)) return null;
  const type = typeof mime === 'string' && MEDIA.test(mime) && mime.toLowerCase().startsWith(`${family}/`) ? mime : null;
  return type ? `data:${type};base64,${data.replace(/\s/g, '')}` : null;
}

/** Text, pretty-printed when it is JSON. */
export function textBlock(text, mime) {
  const trimmed = (text ?? '').trim();
  if ((mime && /json/i.test(mime)) || /^[[{]/.test(trimmed)) {
    try {
      return h('div', { class: 'text-json' }, jsonView(JSON.parse(trimmed)));
    } catch { /* not JSON after all */ }
  }
  return h('pre', { class: 'text' }, text ?? '');
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** One resource's contents ({uri, mimeType, text | blob}). */
export function resourceContents(c, ctx) {
  const head = h('div', { class: 'contents-head' },
    h('code', { class: 'uri' }, c.uri ?? ''),
    c.mimeType ? h('span', { class: 'badge subtle' }, c.mimeType) : null);
  let body;
  if (typeof c.text === 'string') {
    body = textBlock(c.text, c.mimeType);
  } else if (typeof c.blob === 'string') {
    const img = dataUri(c.mimeType, c.blob, 'image');
    const audio = dataUri(c.mimeType, c.blob, 'audio');
    const size = Math.floor((c.blob.length * 3) / 4);
    if (img) body = h('img', { class: 'media', src: img, alt: c.uri ?? 'image' });
    else if (audio) body = h('audio', { class: 'media', controls: true, src: audio });
    else body = h('div', { class: 'muted' }, `binary data, ${bytes(size)}`);
  } else {
    body = jsonView(c);
  }
  return h('div', { class: 'contents', 'data-testid': 'resource-contents' }, head, body, ctx?.extra ?? null);
}

/** A resource link: click to read it here. */
function resourceLink(item, ctx) {
  const out = h('div', { class: 'link-result' });
  const read = h('button', { class: 'btn tiny', type: 'button', 'data-testid': 'read-link' }, 'Read');
  read.addEventListener('click', async () => {
    if (!ctx?.readResource) return;
    read.disabled = true;
    read.textContent = 'Reading…';
    const r = await ctx.readResource(item.uri);
    read.disabled = false;
    read.textContent = 'Read again';
    out.replaceChildren(r.ok ? readResult(r.result, ctx) : errorBox(r.error));
  });
  return h('div', { class: 'card link', 'data-testid': 'resource-link' },
    h('div', { class: 'link-head' },
      h('span', { class: 'badge' }, 'link'),
      h('a', { href: '#', class: 'uri', onclick: (e) => { e.preventDefault(); read.click(); } }, item.uri ?? ''),
      item.mimeType ? h('span', { class: 'badge subtle' }, item.mimeType) : null,
      read),
    item.name || item.title ? h('div', { class: 'link-name' }, item.title || item.name) : null,
    item.description ? h('div', { class: 'muted' }, item.description) : null,
    out);
}

/** One content block of a tool result or prompt message. */
export function contentBlock(item, ctx) {
  if (!isObject(item)) return jsonView(item);
  switch (item.type) {
    case 'text':
      return h('div', { class: 'content text-content', 'data-testid': 'content-text' }, textBlock(item.text));
    case 'image': {
      const src = dataUri(item.mimeType, item.data, 'image');
      return h('div', { class: 'content', 'data-testid': 'content-image' },
        src ? h('img', { class: 'media', src, alt: 'image from the server' }) : h('div', { class: 'muted' }, `an image of type ${item.mimeType} that cannot be shown`));
    }
    case 'audio': {
      const src = dataUri(item.mimeType, item.data, 'audio');
      return h('div', { class: 'content', 'data-testid': 'content-audio' },
        src ? h('audio', { class: 'media', controls: true, src }) : h('div', { class: 'muted' }, `audio of type ${item.mimeType} that cannot be played`));
    }
    case 'resource_link':
      return resourceLink(item, ctx);
    case 'resource':
      return h('div', { class: 'content card', 'data-testid': 'content-resource' },
        h('div', { class: 'card-title' }, h('span', { class: 'badge' }, 'embedded resource')),
        resourceContents(item.resource ?? {}, ctx));
    default:
      return h('div', { class: 'content' }, h('div', { class: 'muted' }, `content of type ${item.type}`), jsonView(item));
  }
}

/** A JSON-RPC or API error. */
export function errorBox(error, title = 'Error') {
  const e = error || {};
  if (e.kind === 'cancelled') {
    return h('div', { class: 'notice-box', 'data-testid': 'error' },
      h('div', { class: 'notice-title' }, 'Cancelled'),
      h('div', { class: 'muted' }, 'The inspector stopped waiting and told the server (notifications/cancelled).'));
  }
  return h('div', { class: 'error-box', 'data-testid': 'error' },
    h('div', { class: 'error-title' }, title,
      e.code != null ? h('code', { class: 'error-code' }, String(e.code)) : null),
    h('div', { class: 'error-message' }, e.message ?? String(e)),
    e.data != null ? jsonView(e.data) : null);
}

/** A section with a title and a "raw JSON" toggle. */
function resultFrame(kind, raw, body, meta) {
  const rawView = h('div', { class: 'raw', hidden: true }, jsonView(raw));
  const toggle = h('button', { class: 'btn tiny ghost', type: 'button' }, 'Raw JSON');
  toggle.addEventListener('click', () => {
    rawView.hidden = !rawView.hidden;
    toggle.classList.toggle('active', !rawView.hidden);
  });
  return h('div', { class: 'result', 'data-testid': 'result' },
    h('div', { class: 'result-head' }, h('span', { class: 'result-kind' }, kind), meta ?? null, h('span', { class: 'spacer' }), copyButton(() => JSON.stringify(raw, null, 2), 'Copy JSON'), toggle),
    body, rawView);
}

/** A CallToolResult. */
export function toolResult(result, ctx, ms) {
  const isError = result?.isError === true;
  const blocks = (Array.isArray(result?.content) ? result.content : []).map((c) => contentBlock(c, ctx));
  const structured = result?.structuredContent !== undefined
    ? h('div', { class: 'structured', 'data-testid': 'structured' }, h('div', { class: 'subhead' }, 'structuredContent'), jsonView(result.structuredContent))
    : null;
  const body = h('div', { class: `result-body${isError ? ' is-error' : ''}` },
    isError ? h('div', { class: 'error-title' }, 'The tool reported an error') : null,
    blocks.length ? blocks : h('div', { class: 'muted' }, 'No content.'),
    structured);
  return resultFrame(isError ? 'Tool error' : 'Result', result, body, ms != null ? h('span', { class: 'muted small' }, `${ms} ms`) : null);
}

/** A ReadResourceResult. */
export function readResult(result, ctx, ms) {
  const contents = Array.isArray(result?.contents) ? result.contents : [];
  const body = h('div', { class: 'result-body' }, contents.length ? contents.map((c) => resourceContents(c, ctx)) : h('div', { class: 'muted' }, 'No contents.'));
  return resultFrame('Contents', result, body, ms != null ? h('span', { class: 'muted small' }, `${ms} ms`) : null);
}

/** A GetPromptResult: its messages as a conversation. */
export function promptResult(result, ctx, ms) {
  const messages = Array.isArray(result?.messages) ? result.messages : [];
  const body = h('div', { class: 'result-body' },
    result?.description ? h('div', { class: 'muted' }, result.description) : null,
    h('div', { class: 'messages' }, messages.map((m) => message(m, ctx))));
  return resultFrame('Messages', result, body, ms != null ? h('span', { class: 'muted small' }, `${ms} ms`) : null);
}

/** One message (prompt or sampling): role and content (a block or a list of blocks). */
export function message(m, ctx) {
  const content = Array.isArray(m?.content) ? m.content : [m?.content];
  return h('div', { class: `message role-${m?.role === 'assistant' ? 'assistant' : 'user'}`, 'data-testid': 'message' },
    h('div', { class: 'role' }, m?.role ?? '?'),
    h('div', { class: 'bubble' }, content.map((c) => contentBlock(c, ctx))));
}
