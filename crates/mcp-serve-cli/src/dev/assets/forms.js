// Forms generated from JSON Schemas: tool input schemas, elicitation
// requestedSchemas and prompt arguments. Handles string / number / integer /
// boolean, enum and oneOf/anyOf-of-const (drop-downs), arrays (of choices:
// check boxes; of anything else: an item list), nested objects, `$ref`s into
// `$defs`, nullable types, defaults, required markers and descriptions. What
// it cannot draw becomes a JSON box, and the whole form can switch to raw JSON.

import { h, isObject, debounce } from './dom.js';

const DESCRIPTIVE = new Set(['title', 'description', 'default', 'examples', '$comment', 'deprecated', 'readOnly', 'writeOnly']);
const LONG_TEXT = /^(code|text|content|body|source|markdown|html|json|prompt|message|query|script)$/i;

function pointer(root, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return null;
  let cur = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur == null || typeof cur !== 'object') return null;
    cur = cur[key];
  }
  return cur ?? null;
}

const constAlternatives = (s) => {
  const alts = s.oneOf || s.anyOf;
  return Array.isArray(alts) && alts.length > 0 && alts.every((a) => isObject(a) && 'const' in a) ? alts : null;
};

/** Follows `$ref`s, unwraps nullable unions and single `allOf`s: {schema, nullable}. */
export function normalize(schema, root, depth = 0) {
  let s = isObject(schema) ? schema : {};
  let nullable = false;
  const seen = new Set();
  while (typeof s.$ref === 'string' && !seen.has(s.$ref)) {
    seen.add(s.$ref);
    const target = pointer(root, s.$ref);
    if (!isObject(target)) break;
    const { $ref, ...rest } = s;
    s = { ...target, ...rest };
  }
  if (depth > 20) return { schema: s, nullable };
  if (Array.isArray(s.type)) {
    const types = s.type.filter((t) => t !== 'null');
    nullable = types.length < s.type.length;
    s = { ...s, type: types.length === 1 ? types[0] : types };
  }
  for (const key of ['anyOf', 'oneOf']) {
    const alts = s[key];
    if (!Array.isArray(alts) || constAlternatives(s)) continue;
    const real = alts.filter((a) => !(isObject(a) && a.type === 'null'));
    if (real.length < alts.length) nullable = true;
    if (real.length === 1) {
      const { [key]: _dropped, ...rest } = s;
      const inner = normalize(real[0], root, depth + 1);
      s = { ...inner.schema, ...rest };
      nullable = nullable || inner.nullable;
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1) {
    const { allOf, ...rest } = s;
    const inner = normalize(allOf[0], root, depth + 1);
    s = { ...inner.schema, ...rest };
    nullable = nullable || inner.nullable;
  }
  return { schema: s, nullable };
}

function kindOf(s, root) {
  if (Array.isArray(s.enum)) return 'enum';
  if (constAlternatives(s)) return 'choice';
  if ('const' in s) return 'fixed';
  switch (s.type) {
    case 'boolean': return 'boolean';
    case 'integer': return 'integer';
    case 'number': return 'number';
    case 'string': return 'string';
    case 'array': {
      const items = normalize(s.items, root).schema;
      return Array.isArray(items.enum) || constAlternatives(items) ? 'multi' : 'array';
    }
    case 'object': return isObject(s.properties) ? 'object' : 'json';
    default:
      if (!s.type && isObject(s.properties)) return 'object';
      return 'json';
  }
}

const typeLabel = (s, kind) => {
  if (kind === 'enum' || kind === 'choice') return 'choice';
  if (kind === 'multi') return 'choices';
  if (kind === 'array') return `array of ${normalize(s.items, {}).schema.type || 'values'}`;
  if (kind === 'json') return Array.isArray(s.type) ? s.type.join(' | ') : (s.type || 'JSON');
  return s.format ? `${s.type} · ${s.format}` : s.type || kind;
};

// --- controls: {el, get() -> {value, errors}, set(v), input?} -------------------------

function textControl(s, id, name) {
  const long = (s.maxLength ?? 0) > 120 || LONG_TEXT.test(name);
  const inputType = { email: 'email', uri: 'url', date: 'date' }[s.format] || 'text';
  const el = long
    ? h('textarea', { id, rows: 4, spellcheck: 'false' })
    : h('input', { id, type: inputType, autocomplete: 'off', spellcheck: 'false' });
  if (s.format === 'date-time') el.placeholder = '2026-01-31T12:00:00Z';
  else if (Array.isArray(s.examples) && s.examples.length) el.placeholder = `e.g. ${s.examples[0]}`;
  return {
    el,
    input: el,
    get() {
      const v = el.value;
      if (v === '') return { value: undefined, errors: [] };
      const errors = [];
      if (s.minLength != null && v.length < s.minLength) errors.push(`at least ${s.minLength} characters`);
      if (s.maxLength != null && v.length > s.maxLength) errors.push(`at most ${s.maxLength} characters`);
      if (s.pattern) {
        try {
          if (!new RegExp(s.pattern, 'u').test(v)) errors.push(`must match ${s.pattern}`);
        } catch { /* a pattern JavaScript cannot read: the server will judge */ }
      }
      return { value: v, errors };
    },
    set(v) { el.value = v == null ? '' : typeof v === 'string' ? v : JSON.stringify(v); },
  };
}

function numberControl(s, id, integer) {
  const el = h('input', { id, type: 'number', step: integer ? '1' : 'any', inputmode: integer ? 'numeric' : 'decimal' });
  if (s.minimum != null) el.min = s.minimum;
  if (s.maximum != null) el.max = s.maximum;
  return {
    el,
    input: el,
    get() {
      const raw = el.value.trim();
      if (raw === '') {
        // A half-typed number ("1e", "-") reads as "" from a number input.
        return el.validity.badInput ? { value: undefined, errors: ['not a number'] } : { value: undefined, errors: [] };
      }
      const v = Number(raw);
      const errors = [];
      if (!Number.isFinite(v)) errors.push('not a number');
      else {
        if (integer && !Number.isInteger(v)) errors.push('must be a whole number');
        if (s.minimum != null && v < s.minimum) errors.push(`at least ${s.minimum}`);
        if (s.maximum != null && v > s.maximum) errors.push(`at most ${s.maximum}`);
        if (s.exclusiveMinimum != null && typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) errors.push(`more than ${s.exclusiveMinimum}`);
        if (s.exclusiveMaximum != null && typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) errors.push(`less than ${s.exclusiveMaximum}`);
      }
      return { value: v, errors };
    },
    set(v) { el.value = v == null ? '' : String(v); },
  };
}

function booleanControl(s, id, required) {
  const box = h('input', { id, type: 'checkbox' });
  // An optional flag the user never touched is left out rather than sent as false.
  let touched = required || 'default' in s;
  box.addEventListener('change', () => { touched = true; });
  const el = h('label', { class: 'switch' }, box, h('span', { class: 'switch-track' }), h('span', { class: 'switch-label' }, 'true / false'));
  const sync = () => { el.lastChild.textContent = box.checked ? 'true' : touched ? 'false' : 'not set'; };
  box.addEventListener('change', sync);
  sync();
  return {
    el,
    input: box,
    get: () => ({ value: touched ? box.checked : undefined, errors: [] }),
    set(v) { box.checked = v === true; if (v !== undefined) touched = true; sync(); },
  };
}

function selectControl(options, id, required, hasDefault) {
  // options: [{value, label}]
  const el = h('select', { id });
  if (!required || !hasDefault) el.append(h('option', { value: '' }, required ? '— choose —' : '— not set —'));
  options.forEach((o, i) => el.append(h('option', { value: String(i) }, o.label)));
  return {
    el,
    input: el,
    get: () => ({ value: el.value === '' ? undefined : options[Number(el.value)].value, errors: [] }),
    set(v) {
      const i = options.findIndex((o) => JSON.stringify(o.value) === JSON.stringify(v));
      el.value = i >= 0 ? String(i) : '';
    },
  };
}

const enumOptions = (s) => Array.isArray(s.enum)
  ? s.enum.map((v, i) => ({ value: v, label: (Array.isArray(s.enumNames) && s.enumNames[i]) || (typeof v === 'string' ? v : JSON.stringify(v)) }))
  : constAlternatives(s).map((a) => ({ value: a.const, label: a.title || (typeof a.const === 'string' ? a.const : JSON.stringify(a.const)) }));

function multiControl(s, root, id) {
  const items = normalize(s.items, root).schema;
  const options = enumOptions(items);
  const boxes = options.map((o, i) => h('input', { type: 'checkbox', id: `${id}-${i}`, value: String(i) }));
  const el = h('div', { class: 'checks', id }, options.map((o, i) => h('label', { class: 'check' }, boxes[i], h('span', null, o.label))));
  return {
    el,
    input: boxes[0],
    get() {
      const value = options.filter((_, i) => boxes[i].checked).map((o) => o.value);
      // Nothing picked is "not answered" (a required field then says so), not an empty choice.
      if (!value.length) return { value: undefined, errors: [] };
      const errors = [];
      if (s.minItems != null && value.length < s.minItems) errors.push(`pick at least ${s.minItems}`);
      if (s.maxItems != null && value.length > s.maxItems) errors.push(`pick at most ${s.maxItems}`);
      return { value, errors };
    },
    set(v) {
      const want = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      options.forEach((o, i) => { boxes[i].checked = want.has(JSON.stringify(o.value)); });
    },
  };
}

function arrayControl(s, ctx, path, id) {
  const rows = [];
  const list = h('div', { class: 'array-items' });
  const add = h('button', { type: 'button', class: 'btn tiny', 'data-testid': `add-${path.join('.')}` }, '+ Add item');
  const el = h('div', { class: 'array', id }, list, add);
  const addRow = (value) => {
    const item = field(s.items || {}, ctx, [...path, String(rows.length)], true, { label: `#${rows.length + 1}` });
    const row = { item };
    const remove = h('button', { type: 'button', class: 'btn tiny ghost', title: 'Remove this item' }, '✕');
    row.el = h('div', { class: 'array-row' }, item.el, remove);
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
    });
    rows.push(row);
    list.append(row.el);
    if (value !== undefined) item.set(value);
    return item;
  };
  add.addEventListener('click', () => addRow()?.input?.focus());
  return {
    el,
    get() {
      const errors = [];
      const inner = [];
      const value = [];
      for (const r of rows) {
        const got = r.item.get();
        inner.push(...got.errors);
        if (got.value !== undefined) value.push(got.value);
      }
      if (s.minItems != null && value.length < s.minItems) errors.push(`at least ${s.minItems} item(s)`);
      if (s.maxItems != null && value.length > s.maxItems) errors.push(`at most ${s.maxItems} item(s)`);
      return { value: rows.length === 0 ? undefined : value, errors, inner };
    },
    set(v) {
      rows.splice(0).forEach((r) => r.el.remove());
      (Array.isArray(v) ? v : []).forEach((x) => addRow(x));
    },
  };
}

function jsonControl(s, id) {
  const el = h('textarea', { id, rows: 3, class: 'mono', spellcheck: 'false', placeholder: 'JSON' });
  return {
    el,
    input: el,
    get() {
      if (el.value.trim() === '') return { value: undefined, errors: [] };
      try {
        return { value: JSON.parse(el.value), errors: [] };
      } catch (e) {
        return { value: undefined, errors: [`not valid JSON (${e.message})`] };
      }
    },
    set(v) { el.value = v === undefined ? '' : JSON.stringify(v, null, 2); },
  };
}

function objectControl(s, ctx, path) {
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  const fields = Object.entries(s.properties || {}).map(([name, prop]) => [name, field(prop, ctx, [...path, name], required.has(name))]);
  const el = h('div', { class: 'fields' }, fields.map(([, f]) => f.el));
  return {
    el,
    fields: new Map(fields),
    get() {
      const value = {};
      const inner = [];
      for (const [name, f] of fields) {
        const got = f.get();
        inner.push(...got.errors);
        if (got.value !== undefined) value[name] = got.value;
      }
      return { value, errors: [], inner };
    },
    set(v) {
      for (const [name, f] of fields) f.set(isObject(v) ? v[name] : undefined);
    },
  };
}

/** One labelled field: control, required marker, type, description, errors. */
function field(propSchema, ctx, path, required, opts = {}) {
  const { schema: s, nullable } = normalize(propSchema, ctx.root);
  const must = required && !nullable;
  const kind = kindOf(s, ctx.root);
  const name = path[path.length - 1];
  const id = `${ctx.prefix}-${path.join('-')}`.replace(/[^\w-]/g, '_');
  let control;
  switch (kind) {
    case 'string': control = textControl(s, id, name); break;
    case 'number': control = numberControl(s, id, false); break;
    case 'integer': control = numberControl(s, id, true); break;
    case 'boolean': control = booleanControl(s, id, must); break;
    case 'enum':
    case 'choice': control = selectControl(enumOptions(s), id, must, 'default' in s); break;
    case 'fixed': control = { el: h('code', { class: 'fixed' }, JSON.stringify(s.const)), get: () => ({ value: s.const, errors: [] }), set() {} }; break;
    case 'multi': control = multiControl(s, ctx.root, id); break;
    case 'array': control = arrayControl(s, ctx, path, id); break;
    case 'object': control = objectControl(s, ctx, path); break;
    default: control = jsonControl(s, id);
  }
  const title = opts.label ?? s.title ?? name;
  const error = h('div', { class: 'field-error' });
  const nested = kind === 'object' || kind === 'array';
  const label = h('label', { class: 'field-label', for: nested ? null : id },
    h('span', { class: 'field-name' }, title),
    must ? h('span', { class: 'req', title: 'required' }, '*') : null,
    opts.label ? null : h('span', { class: 'field-type' }, typeLabel(s, kind)),
    s.title && s.title !== name && !opts.label ? h('code', { class: 'field-key' }, name) : null);
  const wrap = h(nested ? 'fieldset' : 'div', { class: `field kind-${kind}`, 'data-testid': `field-${path.join('.')}` },
    nested ? h('legend', null, label) : label,
    control.el,
    s.description ? h('div', { class: 'field-help' }, s.description) : null,
    error);
  if ('default' in s) control.set(s.default);
  return {
    el: wrap,
    input: control.input,
    fields: control.fields,
    kind,
    get() {
      const got = control.get();
      let value = got.value;
      // An optional object left empty is left out.
      if (kind === 'object' && !must && isObject(value) && Object.keys(value).length === 0) value = undefined;
      const own = [...got.errors];
      if (value === undefined && must) own.push('required');
      wrap.classList.toggle('invalid', own.length > 0);
      error.textContent = own.join('; ');
      return { value, errors: [...(got.inner || []), ...own.map((e) => `${title}: ${e}`)] };
    },
    set: (v) => control.set(v),
  };
}

/**
 * A form for an object schema, with a Form / JSON switch.
 * Returns {el, value() -> {value, errors}, set(v), inputs: Map(name -> input element)}.
 */
export function schemaForm(schema, { prefix = 'form', jsonSwitch = true } = {}) {
  const root = isObject(schema) ? schema : {};
  const { schema: s } = normalize(root, root);
  const ctx = { root, prefix };
  const drawable = kindOf(s, root) === 'object';
  const noArgs = drawable && Object.keys(s.properties || {}).length === 0;
  const form = drawable ? objectControl(s, ctx, []) : null;
  const json = h('textarea', { class: 'mono json-editor', rows: 8, spellcheck: 'false', 'data-testid': 'json-editor' });
  let mode = drawable ? 'form' : 'json';

  const formBox = h('div', { class: 'form-body' }, noArgs ? h('div', { class: 'muted' }, 'No arguments.') : form?.el);
  const jsonBox = h('div', { class: 'json-body' }, json, h('div', { class: 'field-help' }, 'Arguments as one JSON object.'));
  const status = h('div', { class: 'form-errors', 'data-testid': 'form-errors' });
  const tabs = h('div', { class: 'seg', role: 'tablist' });
  const show = () => {
    formBox.hidden = mode !== 'form';
    jsonBox.hidden = mode !== 'json';
    for (const b of tabs.children) b.classList.toggle('active', b.dataset.mode === mode);
  };
  const switchTo = (next) => {
    if (next === mode) return;
    if (next === 'json') {
      json.value = JSON.stringify(form ? form.get().value : {}, null, 2);
    } else {
      try {
        form.set(JSON.parse(json.value || '{}'));
      } catch (e) {
        status.textContent = `The JSON does not parse: ${e.message}`;
        return;
      }
    }
    status.textContent = '';
    mode = next;
    show();
  };
  if (jsonSwitch && drawable && !noArgs) {
    tabs.append(
      h('button', { type: 'button', class: 'seg-btn', dataset: { mode: 'form' }, onclick: () => switchTo('form') }, 'Form'),
      h('button', { type: 'button', class: 'seg-btn', dataset: { mode: 'json' }, onclick: () => switchTo('json') }, 'JSON'));
  }
  if (!drawable) json.value = '{}';
  show();
  const el = h('div', { class: 'schema-form' }, tabs.children.length ? tabs : null, formBox, jsonBox, status);
  return {
    el,
    inputs: new Map([...(form?.fields ?? new Map())].map(([k, f]) => [k, f.input]).filter(([, i]) => i)),
    value() {
      let result;
      if (mode === 'form' && form) {
        const got = form.get();
        result = { value: got.value, errors: got.inner };
      } else {
        try {
          const v = JSON.parse(json.value || '{}');
          result = isObject(v) ? { value: v, errors: [] } : { value: undefined, errors: ['the JSON must be an object'] };
        } catch (e) {
          result = { value: undefined, errors: [`the JSON does not parse: ${e.message}`] };
        }
      }
      status.textContent = result.errors.length ? result.errors.join(' · ') : '';
      return result;
    },
    set(v) {
      if (form) form.set(v);
      json.value = JSON.stringify(v ?? {}, null, 2);
    },
  };
}

/** Prompt arguments ([{name, description, required}]) as an object schema of strings. */
export function argumentsSchema(args) {
  const properties = {};
  const required = [];
  for (const a of args || []) {
    properties[a.name] = { type: 'string', title: a.title || a.name, description: a.description };
    if (a.required) required.push(a.name);
  }
  return { type: 'object', properties, required };
}

/**
 * Suggestions under a text input as the user types: `fetch(value)` resolves
 * to {values, total, hasMore}. Arrow keys and Enter pick, Escape closes.
 */
export function attachCompletion(input, fetch) {
  if (!input || !(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)) return;
  const box = h('div', { class: 'suggestions', role: 'listbox', hidden: true, 'data-testid': 'suggestions' });
  input.insertAdjacentElement('afterend', box);
  input.parentElement.classList.add('has-suggestions');
  let active = -1;
  let asked = 0;
  const close = () => { box.hidden = true; active = -1; };
  const pick = (v) => {
    input.value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    close();
  };
  const highlight = () => [...box.querySelectorAll('.suggestion')].forEach((el, i) => el.classList.toggle('active', i === active));
  const refresh = debounce(async () => {
    const ticket = ++asked;
    const got = await fetch(input.value);
    if (ticket !== asked || document.activeElement !== input) return;
    const values = (got?.values || []).filter((v) => v !== input.value);
    if (!values.length) return close();
    box.replaceChildren(...values.slice(0, 50).map((v) => h('div', {
      class: 'suggestion',
      role: 'option',
      onmousedown: (e) => { e.preventDefault(); pick(v); },
    }, v)));
    if (got.hasMore || (got.total ?? 0) > values.length) box.append(h('div', { class: 'suggestion-more' }, `${got.total ?? 'more'} in all`));
    active = -1;
    box.hidden = false;
  }, 150);
  input.addEventListener('input', refresh);
  input.addEventListener('focus', refresh);
  input.addEventListener('blur', () => setTimeout(close, 100));
  input.addEventListener('keydown', (e) => {
    if (box.hidden) return;
    const items = box.querySelectorAll('.suggestion');
    if (e.key === 'ArrowDown') { active = Math.min(items.length - 1, active + 1); highlight(); e.preventDefault(); }
    else if (e.key === 'ArrowUp') { active = Math.max(0, active - 1); highlight(); e.preventDefault(); }
    else if (e.key === 'Enter' && active >= 0) { pick(items[active].textContent); e.preventDefault(); }
    else if (e.key === 'Escape') close();
  });
}
