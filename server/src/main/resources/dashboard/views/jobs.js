// Jobs: a server-paged list, newest first by default, with a stacked bar of each job's allocations.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { num } from '../lib/format.js';
import { badge, card, pageHead, loading, empty, allocBar, segmented, ALLOC_ORDER } from '../lib/ui.js';
import { dataTable, makePager } from '../lib/table.js';
import { href, replaceQuery, go } from '../lib/router.js';

export function jobsView(ctx) {
  ctx.setTitle('Jobs');
  const q = ctx.query;
  const state = {
    page: Math.max(0, Number(q.get('page') || 1) - 1) || 0,
    size: [25, 50, 100, 250].includes(Number(q.get('size'))) ? Number(q.get('size')) : 50,
    order: q.get('order') === 'oldest' ? 'oldest' : 'newest',
    total: null,
    loaded: false,
  };

  const jump = h('input', { type: 'text', placeholder: 'Job id', 'aria-label': 'Job id to open', autocomplete: 'off', spellcheck: 'false' });
  const jumpForm = h('form', { class: 'btn-group', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const id = jump.value.trim();
    if (id) go(href('jobs', id));
  } }, jump, h('button', { type: 'submit', class: 'btn' }, 'Open'));
  const order = segmented([{ value: 'newest', label: 'Newest first' }, { value: 'oldest', label: 'Oldest first' }], state.order,
    (v) => { state.order = v; state.page = 0; persist(); ctx.refreshNow(); }, 'Sort order');
  const count = h('span');
  const body = h('div', null, loading(6));

  const table = dataTable([
    { id: 'id', label: 'Job', render: (j) => h('a', { href: href('jobs', j.id), class: 'mono' }, j.id), cls: 'clip' },
    { id: 'type', label: 'Type', render: (j) => j.type },
    { id: 'status', label: 'Status', render: (j) => badge('job', j.status) },
    { id: 'version', label: 'Version', r: true, render: (j) => `v${j.version}` },
    { id: 'allocs', label: 'Allocations', render: (j) => {
      const { bar, total, summary } = allocBar(j.allocations || {});
      return h('div', { class: 'bar-cell' }, bar, h('span', { class: 'total num', title: summary }, num(total)));
    } },
    { id: 'summary', label: h('span', { class: 'visually-hidden' }, 'Allocation summary'), cls: 'muted',
      render: (j) => h('span', { class: 'nowrap' }, brief(j.allocations || {})) },
  ], {
    caption: 'Jobs',
    empty: () => (state.total
      ? empty('search', 'This page is past the last job', h('a', { href: '#/jobs' }, 'Back to the first page'))
      : empty('box', 'No jobs yet', h('span', null, 'Submit one with ', h('code', null, 'muster job run job.yaml'), ' or ', h('code', null, 'muster job run -t all -- uptime'), '.'))),
  });
  const pager = makePager((page, size) => {
    state.page = Math.max(0, page);
    state.size = size;
    persist();
    ctx.refreshNow();
  }, [25, 50, 100, 250]);

  ctx.root.append(
    pageHead({ title: 'Jobs', subtitle: 'Every job the cluster knows, with the state of its allocations.' }),
    card('All jobs', { count },
      h('div', { class: 'toolbar' }, order.el, h('span', { class: 'spacer' }), jumpForm),
      h('div', { class: 'card-body flush' }, body)));

  function persist() {
    replaceQuery({ page: state.page ? state.page + 1 : '', size: state.size !== 50 ? state.size : '', order: state.order === 'oldest' ? 'oldest' : '' });
  }

  /** The API lists oldest first; newest-first pages are computed back from the total. */
  async function fetchPage() {
    if (state.order === 'oldest') {
      const r = await api(`/v1/jobs?offset=${state.page * state.size}&limit=${state.size}`);
      return { jobs: r.jobs, total: r.total };
    }
    if (state.total == null) state.total = (await api('/v1/jobs?offset=0&limit=1')).total;
    // The page is computed from the last known total; when jobs came or went since, the answer's total says so and the
    // page is read again from it (else a new job would stay off the first page until the next refresh).
    for (let attempt = 0; ; attempt++) {
      const end = state.total - state.page * state.size;
      const start = Math.max(0, end - state.size);
      const r = await api(`/v1/jobs?offset=${start}&limit=${Math.max(1, end - start)}`);
      if (r.total === state.total || attempt === 2) return { jobs: end > 0 ? r.jobs.slice(0, end - start).reverse() : [], total: r.total };
      state.total = r.total;
    }
  }

  async function refresh() {
    try {
      const { jobs, total } = await fetchPage();
      if (!ctx.alive()) return;
      state.total = total;
      count.textContent = `${num(total)} ${total === 1 ? 'job' : 'jobs'}`;
      if (!state.loaded) {
        body.replaceChildren(table.el, pager.el);
        state.loaded = true;
      }
      table.update(jobs);
      pager.update(state.page, state.size, total);
      ctx.setErrors([]);
    } catch (e) {
      if (!state.loaded) body.replaceChildren(empty('alert', 'Jobs are unavailable', 'The job list could not be loaded; see the message above.'));
      ctx.setErrors([{ what: 'load jobs', err: e }]);
    }
  }

  // Live: job and allocation events (a new job, a status change, an allocation placed or ended).
  return { refresh, interval: 3000, live: { topics: ['Job', 'Allocation', 'Operation'], every: 60000 } };
}

/** "3 running · 1 failed" for the non-zero counts. */
function brief(counts) {
  const parts = ALLOC_ORDER.filter((k) => counts[k]).map((k) => `${num(counts[k])} ${k}`);
  return parts.length ? parts.join(' · ') : 'none';
}
