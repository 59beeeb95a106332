// Nodes: the whole fleet in one sortable, filterable, client-side paged table. Filter, sort and page live in the
// URL (#/nodes?state=down&q=zone=a), so a view can be shared or reloaded.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { num, mib, mhz, ago, when, parseTime } from '../lib/format.js';
import { badge, plainBadge, card, pageHead, loading, empty, segmented } from '../lib/ui.js';
import { dataTable } from '../lib/table.js';
import { href, replaceQuery } from '../lib/router.js';
import { nodeButtons } from '../lib/actions.js';

const STATES = ['ready', 'initializing', 'draining', 'down', 'revoked'];

export function nodesView(ctx) {
  ctx.setTitle('Nodes');
  const q = ctx.query;
  const state = {
    text: q.get('q') || '',
    state: STATES.includes(q.get('state')) ? q.get('state') : 'all',
    elig: ['eligible', 'ineligible'].includes(q.get('elig')) ? q.get('elig') : 'all',
    sort: q.get('sort') ? { id: q.get('sort'), dir: q.get('dir') === 'desc' ? 'desc' : 'asc' } : { id: 'id', dir: 'asc' },
    page: Math.max(0, Number(q.get('page') || 1) - 1) || 0,
    size: Number(q.get('size')) || 100,
  };
  let nodes = null; // last fetched list, each with a precomputed lower-case search text
  const refreshNow = () => ctx.refreshNow();

  const search = h('input', {
    type: 'search', value: state.text, placeholder: 'Filter: host, #id, label k=v…', title: 'Matches id, hostname, state, platform, driver and labels; key=value matches a label (key=val* by prefix); #12 is node 12',
    'aria-label': 'Filter nodes', autocomplete: 'off', spellcheck: 'false',
  });
  let debounce = 0;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { state.text = search.value; table.firstPage(); state.page = 0; apply(); }, 120);
  });
  const states = segmented([{ value: 'all', label: 'All' }, ...STATES.map((s) => ({ value: s, label: cap(s) }))], state.state,
    (v) => { state.state = v; table.firstPage(); state.page = 0; apply(); }, 'Filter by state');
  const elig = h('select', { 'aria-label': 'Filter by eligibility', onchange: () => { state.elig = elig.value; table.firstPage(); state.page = 0; apply(); } },
    h('option', { value: 'all' }, 'Any eligibility'), h('option', { value: 'eligible' }, 'Eligible'), h('option', { value: 'ineligible' }, 'Ineligible'));
  elig.value = state.elig;
  const summary = h('span', { class: 'summary', 'aria-live': 'polite' });
  const body = h('div', null, loading(6));

  const table = dataTable([
    { id: 'id', label: 'ID', value: (n) => n.id, render: (n) => h('a', { href: href('nodes', n.id), class: 'mono' }, String(n.id)) },
    { id: 'host', label: 'Hostname', value: (n) => n.hostname, render: (n) => (n.hostname ? h('span', { title: `${n.hostname} (${n.os}/${n.arch})` }, n.hostname) : h('span', { class: 'muted' }, '—')), cls: 'clip host' },
    { id: 'state', label: 'State', value: (n) => STATES.indexOf(n.state) * 2 + (n.eligible ? 0 : 1),
      render: (n) => h('span', { class: 'nowrap badges' }, badge('node', n.state),
        !n.eligible && n.state !== 'revoked' && n.state !== 'draining' ? plainBadge('ineligible', 'warn') : null) },
    { id: 'allocs', label: 'Allocs', r: true, value: (n) => n.allocs, render: (n) => num(n.allocs) },
    { id: 'cpu', label: 'CPU', r: true, cls: 'nowrap', value: (n) => n.cpu_mhz, render: (n) => mhz(n.cpu_mhz) },
    { id: 'mem', label: 'Memory', r: true, cls: 'nowrap', value: (n) => n.memory_mb, render: (n) => mib(n.memory_mb) },
    { id: 'labels', label: 'Labels', render: (n) => labelChips(n.labels, 2) },
    { id: 'beat', label: 'Heartbeat', value: (n) => -(parseTime(n.last_heartbeat) || 0),
      render: (n) => h('span', { class: 'nowrap', title: when(n.last_heartbeat) }, ago(n.last_heartbeat)) },
    { id: 'actions', label: h('span', { class: 'visually-hidden' }, 'Actions'), render: (n) => nodeButtons(n, refreshNow) },
  ], {
    caption: 'Worker nodes',
    dense: true,
    pageSize: state.size,
    page: state.page,
    sort: state.sort,
    rowClass: (n) => (n.state === 'revoked' ? 'row-dim' : null),
    empty: () => (nodes && nodes.length
      ? empty('search', 'No nodes match this filter', 'Clear the filter or pick another state to see more nodes.')
      : empty('server', 'No worker nodes have joined yet',
        h('span', null, 'Create a join token with ', h('code', null, 'muster node generate-worker-token --print-join-command'), ' and run the printed command on a worker machine.'))),
    onState: (s) => { state.sort = s.sort; state.page = s.page; state.size = s.pageSize; persist(); },
  });

  ctx.root.append(
    pageHead({ title: 'Nodes', subtitle: 'Worker nodes registered with this cluster. Node data comes from the leader.' }),
    card('All nodes', { count: summary },
      h('div', { class: 'toolbar' }, search, states.el, elig),
      h('div', { class: 'card-body flush' }, body)));

  function persist() {
    replaceQuery({
      q: state.text.trim(), state: state.state === 'all' ? '' : state.state, elig: state.elig === 'all' ? '' : state.elig,
      sort: state.sort && !(state.sort.id === 'id' && state.sort.dir === 'asc') ? state.sort.id : '',
      dir: state.sort && state.sort.dir === 'desc' ? 'desc' : '',
      page: state.page ? state.page + 1 : '', size: state.size !== 100 ? state.size : '',
    });
  }

  /** Filters the last fetched list and hands the matches to the table. */
  function apply() {
    if (!nodes) return;
    persist();
    const terms = state.text.toLowerCase().split(/\s+/).filter(Boolean);
    const counts = { all: 0 };
    const rows = [];
    for (const n of nodes) {
      if (state.elig !== 'all' && (state.elig === 'eligible') !== !!n.eligible) continue;
      if (terms.length && !terms.every((t) => matches(n, t))) continue;
      counts.all++;
      counts[n.state] = (counts[n.state] || 0) + 1;
      if (state.state === 'all' || n.state === state.state) rows.push(n);
    }
    for (const s of STATES) counts[s] = counts[s] || 0;
    states.update(counts);
    summary.textContent = rows.length === nodes.length ? `${num(nodes.length)} nodes` : `${num(rows.length)} of ${num(nodes.length)} nodes`;
    table.update(rows);
  }

  async function refresh() {
    try {
      const list = await api('/v1/nodes');
      if (!ctx.alive()) return;
      for (const n of list) n._text = searchText(n);
      nodes = list;
      if (!body.contains(table.el)) body.replaceChildren(table.el);
      apply();
      ctx.setErrors([]);
    } catch (e) {
      if (!nodes) body.replaceChildren(empty('alert', 'Nodes are unavailable', 'The node list could not be loaded; see the message above.'));
      ctx.setErrors([{ what: 'load nodes', err: e }]);
    }
  }

  // Ten thousand nodes every two seconds is a lot of JSON: refresh this list every 5 s.
  // Live: node and allocation events, at most every 3 s (ten thousand nodes are a lot of JSON); every 30 s besides,
  // for the heartbeat ages no event reports.
  return { refresh, interval: 5000, live: { topics: ['Node', 'Allocation'], every: 30000, min: 3000 } };
}

/** Lower-case text a filter term is matched against: id, hostname, state, platform, drivers and "key=value" labels. */
function searchText(n) {
  const labels = Object.entries(n.labels || {}).map(([k, v]) => `${k}=${v}`);
  return [String(n.id), n.hostname, n.state, n.os, n.arch, `${n.os}/${n.arch}`, ...(n.drivers || []), ...labels]
    .filter(Boolean).join('\n').toLowerCase();
}

/** "key=value" matches a label exactly ("key=val*" by prefix); "#12" is node 12 exactly; anything else is a substring. */
function matches(n, term) {
  const eq = term.indexOf('=');
  if (eq > 0) {
    const key = term.slice(0, eq);
    const val = term.slice(eq + 1);
    const prefix = val.endsWith('*');
    const want = prefix ? val.slice(0, -1) : val;
    return Object.entries(n.labels || {}).some(([k, v]) => {
      if (k.toLowerCase() !== key) return false;
      const have = String(v).toLowerCase();
      return prefix ? have.startsWith(want) : have === want;
    });
  }
  if (/^#\d+$/.test(term)) return String(n.id) === term.slice(1);
  return n._text.includes(term);
}

/** Label chips, at most `max`, then "+N more" (the full set in its tooltip). */
export function labelChips(labels, max = Infinity) {
  const entries = Object.entries(labels || {}).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return h('span', { class: 'muted' }, '—');
  const shown = entries.slice(0, max);
  const rest = entries.length - shown.length;
  return h('div', { class: 'chips' },
    shown.map(([k, v]) => h('span', { class: 'chip', title: `${k}=${v}` }, `${k}=${v}`)),
    rest > 0 ? h('span', { class: 'chip more', title: entries.slice(max).map(([k, v]) => `${k}=${v}`).join('\n') }, `+${rest}`) : null);
}

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
