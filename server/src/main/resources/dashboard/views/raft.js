// Raft log: this server's replicated log, newest entries first, paged by index.
import { api } from '../lib/api.js';
import { h, fill } from '../lib/dom.js';
import { num } from '../lib/format.js';
import { card, pageHead, loading, empty, plainBadge, infoBanner } from '../lib/ui.js';
import { dataTable } from '../lib/table.js';
import { replaceQuery } from '../lib/router.js';

const TYPE_TONES = { configuration: 'purple', noop: 'off', metadata: 'off', unknown: 'bad' };
const SIZES = [25, 50, 100, 250];

export function raftView(ctx) {
  ctx.setTitle('Raft log');
  const q = ctx.query;
  // `top` is the highest index shown; null follows the end of the log.
  const state = {
    top: q.get('top') && /^\d+$/.test(q.get('top')) ? Number(q.get('top')) : null,
    size: SIZES.includes(Number(q.get('size'))) ? Number(q.get('size')) : 50,
    meta: null,
    loaded: false,
  };

  const facts = h('div', { class: 'facts' }, loading(1));
  const notice = h('div');
  const count = h('span');
  const body = h('div', null, loading(8));
  const range = h('span', { class: 'summary', 'aria-live': 'polite' });
  const btn = (text, label, fn) => h('button', { type: 'button', class: 'btn', 'aria-label': label, onclick: fn }, text);
  const newest = btn('Newest', 'Newest entries', () => move(null));
  const newer = btn('‹ Newer', 'Newer entries', () => move(state.top == null ? null : state.top + state.size));
  const older = btn('Older ›', 'Older entries', () => move(shownTop() - state.size));
  const oldest = btn('Oldest', 'Oldest entries', () => move(state.meta ? Math.max(state.meta.start_index, 0) + state.size - 1 : 0));
  const sizeSel = h('select', { 'aria-label': 'Entries per page', onchange: () => { state.size = Number(sizeSel.value); move(state.top); } },
    SIZES.map((s) => h('option', { value: String(s) }, `${s} per page`)));
  sizeSel.value = String(state.size);
  const goInput = h('input', { type: 'number', min: '0', placeholder: 'Index', 'aria-label': 'Go to log index' });
  const goForm = h('form', { class: 'btn-group', onsubmit: (e) => {
    e.preventDefault();
    if (goInput.value !== '') move(Number(goInput.value) + Math.floor(state.size / 2));
  } }, goInput, h('button', { type: 'submit', class: 'btn' }, 'Go'));

  const table = dataTable([
    { id: 'index', label: 'Index', r: true, cls: 'shrink', render: (e) => h('span', { class: 'mono' }, num(e.index)) },
    { id: 'term', label: 'Term', r: true, cls: 'shrink', render: (e) => num(e.term) },
    { id: 'type', label: 'Type', cls: 'shrink', render: (e) => plainBadge(e.type, TYPE_TONES[e.type] || 'info') },
    { id: 'summary', label: 'Summary', cls: 'wrap mono', render: (e) => e.summary },
    { id: 'state', label: h('span', { class: 'visually-hidden' }, 'Commit state'), cls: 'shrink',
      render: (e) => (state.meta && e.index > state.meta.commit_index ? plainBadge('uncommitted', 'warn') : null) },
  ], {
    caption: 'Raft log entries',
    rowClass: (e) => (state.meta && e.index > state.meta.commit_index ? 'row-uncommitted' : null),
    empty: () => empty('log', 'No entries in this range', 'The log may have been compacted into a snapshot; try the newest entries.'),
  });

  ctx.root.append(
    pageHead({ title: 'Raft log', subtitle: 'The replicated command log on this server. Older entries are compacted into snapshots.' }),
    card('Log', {}, h('div', { class: 'card-body' }, facts, notice)),
    h('div', { style: { marginTop: '16px' } }, card('Entries', { count },
      h('div', { class: 'toolbar' }, newest, newer, older, oldest, range, h('span', { class: 'spacer' }), goForm, sizeSel),
      h('div', { class: 'card-body flush' }, body))));

  function shownTop() {
    return state.top == null ? (state.meta ? state.meta.last_index : 0) : state.top;
  }

  function move(top) {
    state.top = top != null && state.meta && top >= state.meta.last_index ? null : top;
    replaceQuery({ top: state.top == null ? '' : state.top, size: state.size !== 50 ? state.size : '' });
    ctx.refreshNow();
  }

  async function refresh() {
    try {
      if (!state.meta || state.top == null) state.meta = await api('/v1/raft/log?start_index=0&limit=1');
      const top = Math.max(0, state.top == null ? state.meta.last_index : state.top);
      const from = Math.max(state.meta.start_index || 0, top - state.size + 1, 0);
      const r = await api(`/v1/raft/log?start_index=${from}&limit=${Math.max(1, top - from + 1)}`);
      if (!ctx.alive()) return;
      state.meta = r;
      render(r, from, top);
      ctx.setErrors([]);
    } catch (e) {
      if (!state.loaded) body.replaceChildren(empty('alert', 'The Raft log is unavailable', 'See the message above.'));
      ctx.setErrors([{ what: 'load the Raft log', err: e }]);
    }
  }

  function render(r, from, top) {
    const entries = (r.entries || []).filter((e) => e.index <= top).reverse();
    fill(facts,
      fact('First retained index', num(r.start_index)),
      fact('Commit index', num(r.commit_index)),
      fact('Last index', num(r.last_index)),
      fact('Retained entries', num(Math.max(0, r.last_index - r.start_index + 1))));
    fill(notice, r.start_index > 1
      ? h('div', { style: { marginTop: '14px' } }, infoBanner('info', `Entries before index ${num(r.start_index)} were compacted into a snapshot and are no longer listed.`))
      : null);
    count.textContent = state.top == null ? 'following the end of the log' : '';
    range.textContent = entries.length ? `Index ${num(entries[entries.length - 1].index)}–${num(entries[0].index)}` : `From index ${num(from)}`;
    newer.disabled = newest.disabled = state.top == null;
    older.disabled = oldest.disabled = from <= (r.start_index || 0);
    if (!state.loaded) {
      body.replaceChildren(table.el);
      state.loaded = true;
    }
    table.update(entries);
  }

  // Live: any state change appends a log entry; every 10 s besides, for entries that change no state (no-ops,
  // configuration changes).
  return { refresh, interval: 2000, live: { topics: ['*'], every: 10000 } };
}

function fact(label, value) {
  return h('div', { class: 'fact' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}
