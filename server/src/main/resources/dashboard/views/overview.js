// Overview: cluster identity and Raft progress, members, nodes by state, jobs by status, and the metrics charts.
// Live through job, node and allocation events; every 15 s besides for the members' contact times.
import { api, describe } from '../lib/api.js';
import { h, fill } from '../lib/dom.js';
import { num } from '../lib/format.js';
import { badge, card, pageHead, stat, loading, tone, allocBar, allocLegend, ALLOC_ORDER, infoBanner, empty } from '../lib/ui.js';
import { dataTable } from '../lib/table.js';
import { metricsCard } from '../lib/metricscard.js';

const NODE_STATES = ['ready', 'initializing', 'draining', 'down', 'revoked'];
const JOB_STATUSES = ['running', 'pending', 'complete', 'failed', 'stopped'];
const JOB_PAGE = 1000;
const JOB_PAGES_MAX = 20; // counts cover the first 20,000 jobs; the total is always exact

export function overviewView(ctx) {
  ctx.setTitle('Overview');
  const subtitle = h('span', null, 'Cluster state as seen by the leader');
  const notice = h('div', { class: 'notice' });
  const alarmBox = h('div', { class: 'alarms' });
  const facts = h('div', { class: 'facts' }, loading(1));
  const nodeTiles = h('div', { class: 'stats' }, loading(2));
  const nodeFoot = h('div', { class: 'legend' });
  const jobTiles = h('div', { class: 'stats' }, loading(2));
  const allocBox = h('div', { style: { marginTop: '16px' } });
  const membersCount = h('span');
  let nodesLoaded = false;
  let jobsLoaded = false;

  const members = dataTable([
    { id: 'id', label: 'Server', value: (m) => m.id, render: (m) => h('span', { class: 'nowrap' }, h('strong', null, String(m.id)), m.self ? h('span', { class: 'muted' }, ' (this page)') : null) },
    { id: 'role', label: 'Role', value: (m) => m.role, render: (m) => badge('role', m.role) },
    { id: 'health', label: 'Health', value: (m) => (m.healthy ? 0 : 1), render: (m) => health(m) },
    { id: 'raft', label: 'Raft address', value: (m) => m.raft_addr, render: (m) => m.raft_addr || '—', cls: 'mono' },
    { id: 'api', label: 'API address', value: (m) => m.api_addr, cls: 'mono',
      render: (m) => (m.api_addr ? h('a', { href: `${location.protocol}//${m.api_addr}/ui/`, title: `Open server ${m.id}'s dashboard` }, m.api_addr) : '—') },
    { id: 'match', label: 'Match index', r: true, value: (m) => m.commit_index, render: (m) => num(m.commit_index) },
    { id: 'contact', label: 'Last contact', r: true, value: (m) => m.last_contact_ms, render: (m) => (m.last_contact_ms == null ? '—' : `${num(m.last_contact_ms)} ms`) },
  ], { caption: 'Raft members', sort: { id: 'id', dir: 'asc' }, empty: () => empty('server', 'No members reported') });

  const metrics = metricsCard({ paused: ctx.paused });

  ctx.root.append(
    pageHead({ title: 'Overview', subtitle }),
    alarmBox,
    notice,
    card('Cluster', {}, h('div', { class: 'card-body' }, facts)),
    h('div', { style: { marginTop: '16px' } }, metrics.el),
    h('div', { class: 'grid grid-2', style: { marginTop: '16px' } },
      card('Nodes', { actions: h('a', { href: '#/nodes' }, 'All nodes →') }, h('div', { class: 'card-body' }, nodeTiles, nodeFoot)),
      card('Jobs', { actions: h('a', { href: '#/jobs' }, 'All jobs →') }, h('div', { class: 'card-body' }, jobTiles, allocBox))),
    h('div', { style: { marginTop: '16px' } }, card('Servers', { count: membersCount }, h('div', { class: 'card-body flush' }, members.el))));

  async function refresh() {
    const errors = [];
    const [st, nodes, jobs] = await Promise.allSettled([status(), api('/v1/nodes'), allJobs()]);
    const noLeader = st.status === 'fulfilled' && st.value.body.leader_id == null;
    // With no leader the notice above says it all; repeat only failures with another cause.
    const report = (what, err, box, title) => {
      if (box) fill(box, empty('alert', title, describe(err)));
      if (!(noLeader && err && err.code === 'NO_LEADER')) errors.push({ what, err });
    };
    if (st.status === 'fulfilled') renderStatus(st.value);
    else report('load the cluster status', st.reason);
    if (nodes.status === 'fulfilled') renderNodes(nodes.value);
    else report('load nodes', nodes.reason, nodesLoaded ? null : nodeTiles, 'Node counts are unavailable');
    if (jobs.status === 'fulfilled') renderJobs(jobs.value);
    else report('load jobs', jobs.reason, jobsLoaded ? null : jobTiles, 'Job counts are unavailable');
    if (st.status === 'fulfilled' && st.value.leaderError) report('reach the leader', st.value.leaderError);
    ctx.setErrors(errors);
  }

  /** The leader's status; when the leader cannot be reached, this server's own (stale) view, flagged as such. */
  async function status() {
    try {
      return { body: await api('/v1/cluster/status'), stale: false };
    } catch (e) {
      const body = await api('/v1/cluster/status?stale=true');
      return { body, stale: true, leaderError: e };
    }
  }

  function renderStatus({ body: s, stale }) {
    fill(subtitle, stale ? `Server ${s.server_id}'s own view (the leader could not be reached)` : 'Cluster state as seen by the leader');
    fill(notice, s.leader_id == null
      ? infoBanner('warn', h('strong', null, 'The cluster has no leader right now. '), 'An election is running or a quorum of servers is unreachable; writes wait until a leader is elected.')
      : null);
    fill(alarmBox, alarmBanner(s.alarms || []));
    const lag = Math.max(0, (s.commit_index || 0) - (s.applied_index || 0));
    fill(facts,
      fact('Cluster ID', s.cluster_id || 'not bootstrapped yet', true),
      fact('Leader', s.leader_id == null ? 'none' : `server ${s.leader_id}`),
      fact('Term', num(s.term)),
      fact('Commit index', num(s.commit_index)),
      fact('Applied index', [num(s.applied_index), lag ? h('span', { class: 'muted', style: { fontSize: '13px' } }, ` (${num(lag)} behind)`) : null]),
      fact('Last log index', num(s.last_index)));
    const list = (s.members || []).map((m) => ({ ...m, self: m.id === s.server_id }));
    membersCount.textContent = `${list.length} ${list.length === 1 ? 'member' : 'members'}, ${list.filter((m) => m.healthy).length} healthy`;
    members.update(list);
  }

  function renderNodes(nodes) {
    nodesLoaded = true;
    const by = Object.fromEntries(NODE_STATES.map((k) => [k, 0]));
    let ineligible = 0;
    let allocs = 0;
    for (const n of nodes) {
      by[n.state] = (by[n.state] || 0) + 1;
      if (!n.eligible && n.state !== 'revoked') ineligible++;
      allocs += n.allocs || 0;
    }
    fill(nodeTiles,
      stat('Total', nodes.length, 'info', '#/nodes'),
      NODE_STATES.map((k) => stat(k, by[k], tone('node', k), `#/nodes?state=${k}`)));
    fill(nodeFoot,
      h('span', null, `${num(ineligible)} ineligible for new work`),
      h('span', null, `${num(allocs)} live allocations placed`));
  }

  function renderJobs({ jobs, total, partial }) {
    jobsLoaded = true;
    const by = Object.fromEntries(JOB_STATUSES.map((k) => [k, 0]));
    const allocs = Object.fromEntries(ALLOC_ORDER.map((k) => [k, 0]));
    for (const j of jobs) {
      by[j.status] = (by[j.status] || 0) + 1;
      for (const k of ALLOC_ORDER) allocs[k] += (j.allocations && j.allocations[k]) || 0;
    }
    fill(jobTiles, stat('Total', total, 'info', '#/jobs'), JOB_STATUSES.map((k) => stat(k, by[k], tone('job', k))));
    const { bar, total: allocTotal } = allocBar(allocs, { large: true });
    fill(allocBox,
      h('h3', { style: { marginBottom: '8px' } }, `Allocations (${num(allocTotal)})`, partial ? h('span', { class: 'muted' }, ` in the first ${num(jobs.length)} jobs`) : null),
      bar, allocLegend(allocs));
  }

  return {
    refresh,
    interval: 2000,
    live: { topics: ['Job', 'Node', 'Allocation', 'Operation'], every: 15000 },
    unmount: () => metrics.stop(),
  };
}

/** Every job page (up to a cap), for the counts. */
async function allJobs() {
  const jobs = [];
  let offset = 0;
  let total = 0;
  for (let i = 0; i < JOB_PAGES_MAX; i++) {
    const page = await api(`/v1/jobs?offset=${offset}&limit=${JOB_PAGE}`);
    jobs.push(...page.jobs);
    total = page.total;
    if (page.next_offset == null) return { jobs, total, partial: false };
    offset = page.next_offset;
  }
  return { jobs, total, partial: true };
}

/** A red banner while the leader's divergence check holds alarms (servers whose replicated states differ). */
function alarmBanner(alarms) {
  const divergent = alarms.filter((a) => a.type === 'state_divergence');
  if (!divergent.length) return null;
  return infoBanner('bad',
    h('strong', null, 'State divergence: servers hold different replicated states. '),
    'What the suspect server serves (reads, worker polls) may be wrong: follow the runbook in docs/RELIABILITY.md, "State divergence".',
    divergent.map((a) => h('div', { class: 'detail' },
      `Servers ${(a.servers || []).join(' and ')} differ after applying index ${num(a.index)}`,
      a.suspect == null ? ' (no majority: the diverged server is unknown)' : ` — server ${a.suspect} disagrees with the majority`,
      '. Digests: ',
      h('span', { class: 'mono' }, Object.entries(a.digests || {}).map(([id, d]) => `${id}=${String(d).slice(0, 12)}`).join(' ')))));
}

function fact(label, value, mono = false) {
  return h('div', { class: 'fact' }, h('div', { class: 'label' }, label), h('div', { class: `value${mono ? ' mono' : ''}` }, value));
}

function health(m) {
  const t = m.healthy ? 'ok' : 'bad';
  const label = m.healthy ? 'Healthy' : 'Unreachable';
  return h('span', { class: `nowrap tone-${t}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), label);
}

