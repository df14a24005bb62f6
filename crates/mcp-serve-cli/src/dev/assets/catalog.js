// The list + detail layout shared by Tools, Resources and Prompts: a
// searchable list on the left, the selected item's panel on the right.
// Panels are kept per item (while the item is unchanged), so switching back
// and forth keeps what was typed and the last result.

import { h, empty } from './dom.js';

/**
 * sections: [{key, title}]; describe(item) -> {key, name, title?, text?, badges?, section};
 * panel(item) -> element.
 */
export function catalog({ name, sections, describe, panel, emptyText, emptyHint }) {
  const search = h('input', { type: 'search', class: 'search', placeholder: `Filter ${name}…`, 'data-testid': `filter-${name}` });
  const list = h('div', { class: 'item-list', role: 'listbox', 'data-testid': `list-${name}` });
  const detail = h('section', { class: 'detail-pane', 'data-testid': `detail-${name}` });
  const el = h('div', { class: 'split' }, h('div', { class: 'list-pane' }, h('div', { class: 'list-tools' }, search), list), detail);
  const panels = new Map(); // key -> {signature, el}
  let items = [];
  let selected = null;
  let error = null;

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    list.replaceChildren();
    if (error) {
      list.append(h('div', { class: 'list-error' }, error));
      return;
    }
    const described = items.map((it) => ({ it, d: describe(it) }))
      .filter(({ d }) => !q || [d.name, d.title, d.text].some((s) => s && String(s).toLowerCase().includes(q)));
    for (const section of sections) {
      const mine = described.filter(({ d }) => (d.section ?? sections[0].key) === section.key);
      if (sections.length > 1) list.append(h('div', { class: 'list-section' }, section.title, h('span', { class: 'count' }, String(mine.length))));
      if (!mine.length && sections.length > 1) list.append(h('div', { class: 'list-none muted' }, 'None.'));
      for (const { it, d } of mine) {
        const row = h('button', {
          class: `item${selected === d.key ? ' selected' : ''}`,
          type: 'button',
          role: 'option',
          'data-testid': `item-${d.name}`,
          onclick: () => select(d.key),
        },
        h('div', { class: 'item-head' }, h('span', { class: 'item-name' }, d.name), ...(d.badges || []).map((b) => h('span', { class: `badge tiny ${b.cls || ''}` }, b.text))),
        d.title && d.title !== d.name ? h('div', { class: 'item-title' }, d.title) : null,
        d.text ? h('div', { class: 'item-text' }, d.text) : null);
        row.dataset.key = d.key;
        list.append(row);
      }
    }
    if (!items.length) list.append(empty(emptyText, emptyHint));
  };

  const select = (key) => {
    selected = key;
    for (const row of list.querySelectorAll('.item')) row.classList.toggle('selected', row.dataset.key === key);
    const it = items.find((x) => describe(x).key === key);
    if (!it) {
      detail.replaceChildren(empty(`Select one of the ${name} on the left.`));
      return;
    }
    const signature = JSON.stringify(it);
    let p = panels.get(key);
    if (!p || p.signature !== signature) {
      p = { signature, el: panel(it) };
      panels.set(key, p);
    }
    detail.replaceChildren(p.el);
  };

  search.addEventListener('input', draw);
  return {
    el,
    setItems(next, err) {
      items = next || [];
      error = err || null;
      draw();
      const keys = items.map((x) => describe(x).key);
      for (const k of [...panels.keys()]) if (!keys.includes(k)) panels.delete(k);
      if (selected && keys.includes(selected)) select(selected);
      else if (keys.length) select(keys[0]);
      else detail.replaceChildren(empty(error ? 'Nothing to show.' : `No ${name}.`));
    },
    select,
  };
}
