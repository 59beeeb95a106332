// A sortable data table with optional client-side paging. Only the visible page is rendered, so ten
// thousand rows cost one sort and a hundred <tr>s per refresh.
import { h, fill } from './dom.js';
import { num } from './format.js';

/**
 * columns: [{id, label, value?: row => comparable (makes it sortable), render: row => node|string, cls?, r?: true}]
 * options: {key: row => unique id, caption, empty: () => node, pageSize, sort: {id, dir}, onState, rowClass}
 */
export function dataTable(columns, opts = {}) {
  const state = {
    sort: opts.sort || null, // {id, dir: 'asc'|'desc'}
    page: opts.page || 0,
    pageSize: opts.pageSize || 0,
    rows: [],
  };
  const thead = h('thead');
  const tbody = h('tbody');
  const table = h('table', { class: `data${opts.dense ? ' dense' : ''}` }, opts.caption ? h('caption', { class: 'visually-hidden' }, opts.caption) : null, thead, tbody);
  const pager = state.pageSize ? makePager((page, size) => {
    state.page = page;
    state.pageSize = size;
    render();
    emit();
  }) : null;
  const el = h('div', null, h('div', { class: 'table-wrap' }, table), pager ? pager.el : null);

  function emit() {
    if (opts.onState) opts.onState({ sort: state.sort, page: state.page, pageSize: state.pageSize });
  }

  function header() {
    fill(thead, h('tr', null, columns.map((c) => {
      const cls = c.r ? 'r' : '';
      if (!c.value) return h('th', { scope: 'col', class: cls }, c.label);
      const active = state.sort && state.sort.id === c.id;
      const dir = active ? state.sort.dir : null;
      return h('th', { scope: 'col', class: cls, 'aria-sort': active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none' },
        h('button', {
          type: 'button', class: 'sort', 'data-fkey': `sort:${c.id}`,
          onclick: () => {
            state.sort = { id: c.id, dir: active && dir === 'asc' ? 'desc' : 'asc' };
            state.page = 0;
            render();
            emit();
          },
        }, c.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, dir === 'desc' ? '▼' : '▲')));
    })));
  }

  function sorted() {
    const rows = state.rows.slice();
    const col = state.sort && columns.find((c) => c.id === state.sort.id && c.value);
    if (!col) return rows;
    const sign = state.sort.dir === 'desc' ? -1 : 1;
    const keyed = rows.map((r, i) => ({ r, i, v: col.value(r) }));
    keyed.sort((a, b) => sign * compare(a.v, b.v) || a.i - b.i);
    return keyed.map((x) => x.r);
  }

  function render() {
    // Keep keyboard focus on the same logical control across a re-render.
    const focused = document.activeElement && el.contains(document.activeElement) ? document.activeElement.dataset.fkey : null;
    header();
    let rows = sorted();
    const total = rows.length;
    if (state.pageSize) {
      const pages = Math.max(1, Math.ceil(total / state.pageSize));
      state.page = Math.min(Math.max(0, state.page), pages - 1);
      rows = rows.slice(state.page * state.pageSize, (state.page + 1) * state.pageSize);
      pager.update(state.page, state.pageSize, total);
    }
    const frag = document.createDocumentFragment();
    if (!rows.length) {
      frag.appendChild(h('tr', null, h('td', { colspan: String(columns.length) }, opts.empty ? opts.empty() : 'Nothing to show.')));
    }
    for (const r of rows) {
      frag.appendChild(h('tr', { class: opts.rowClass ? opts.rowClass(r) : null },
        columns.map((c) => h('td', { class: [c.cls, c.r ? 'r' : ''].filter(Boolean).join(' ') || null }, c.render(r)))));
    }
    tbody.replaceChildren(frag);
    if (focused) {
      const again = el.querySelector(`[data-fkey="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  return {
    el,
    update(rows) {
      state.rows = rows;
      render();
    },
    /** Back to the first page (e.g. after the filter changed). */
    firstPage() {
      state.page = 0;
    },
  };
}

// One collator for all comparisons: "node-2" sorts before "node-10", case-insensitively.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Missing values last; numbers numerically; everything else as text. */
function compare(a, b) {
  if (a == null && b == null) return 0;
  if (a == null) return 1;
  if (b == null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/**
 * Pager controls: first/prev/next/last, a page-size select, and "1–100 of 9,874".
 * onChange(page, pageSize) is called on every move.
 */
export function makePager(onChange, sizes = [50, 100, 250, 500]) {
  let page = 0;
  let size = sizes[1];
  let total = 0;
  const summary = h('span', { class: 'summary', 'aria-live': 'polite' });
  const pos = h('span', { class: 'summary' });
  const btn = (label, text, fn) => h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': label, 'data-fkey': `pager:${label}`, onclick: fn }, text);
  const pages = () => Math.max(1, Math.ceil(total / size));
  const first = btn('First page', '«', () => onChange(0, size));
  const prev = btn('Previous page', '‹ Prev', () => onChange(page - 1, size));
  const next = btn('Next page', 'Next ›', () => onChange(page + 1, size));
  const last = btn('Last page', '»', () => onChange(pages() - 1, size));
  const select = h('select', { 'aria-label': 'Rows per page', onchange: () => onChange(0, Number(select.value)) },
    sizes.map((s) => h('option', { value: String(s) }, `${s} per page`)));
  const el = h('div', { class: 'pager' }, summary, h('span', { class: 'spacer' }), select, first, prev, pos, next, last);
  return {
    el,
    update(p, s, t) {
      page = p;
      size = s;
      total = t;
      if (!sizes.includes(s)) select.appendChild(h('option', { value: String(s) }, `${s} per page`));
      select.value = String(s);
      const from = t ? p * s + 1 : 0;
      summary.textContent = `${num(from)}–${num(Math.min(t, (p + 1) * s))} of ${num(t)}`;
      pos.textContent = `Page ${num(p + 1)} of ${num(pages())}`;
      // A single short page needs no paging controls.
      el.hidden = t <= sizes[0] && p === 0;
      first.disabled = prev.disabled = p <= 0;
      next.disabled = last.disabled = p >= pages() - 1;
    },
  };
}
