// Job detail: status, allocations, placement failures with per-check filter counts, task logs, and stop; for an
// operation job, its header and results matrix (lib/operation.js), and cancel.
import { api } from '../lib/api.js';
import { h, fill, icon } from '../lib/dom.js';
import { num, plural } from '../lib/format.js';
import { badge, plainBadge, card, pageHead, loading, empty, allocBar, allocLegend, ALLOC_ORDER, infoBanner } from '../lib/ui.js';
import { allocTable } from '../lib/allocs.js';
import { stopJob, cancelOperation } from '../lib/actions.js';
import { operationPanel, isOperation, OPERATION_ENDED } from '../lib/operation.js';
import { logViewer } from './logs.js';
import { eventsPanel } from '../lib/events.js';

export function jobView(ctx) {
  const id = ctx.parts[1];
  ctx.setTitle(`Job ${id}`);
  const badges = h('span', { class: 'title-row' });
  const subtitle = h('span', null, '\u00a0');
  const stopBtn = h('button', { type: 'button', class: 'btn btn-danger', disabled: true }, icon('stop'), 'Stop job');
  const summary = h('div', { class: 'card-body' }, loading(2));
  const failures = h('div');
  const allocCount = h('span');
  const allocBody = h('div', { class: 'card-body flush' }, loading(3));
  const logs = logViewer(id);
  const events = eventsPanel();
  const allocs = allocTable({ showNode: true, onLogs: (a) => logs.show(a.id), onEvents: (a) => events.show(a.id), emptyText: () => (job && (job.failures || []).length ? 'No allocations could be placed yet: see the placement failures above' : 'No allocations yet') });
  const operation = operationPanel();
  let job = null;

  stopBtn.addEventListener('click', () => job && (isOperation(job) ? cancelOperation(job, () => ctx.refreshNow()) : stopJob(job, () => ctx.refreshNow())));

  // An operation runs no allocations: its page shows the operation and its results instead.
  const summarySection = card('Summary', {}, summary);
  const allocSection = h('div', { style: { marginTop: '16px' } }, card('Allocations', { count: allocCount }, allocBody));
  const eventsSection = h('div', { style: { marginTop: '16px' } }, events.el);
  const logsSection = h('div', { style: { marginTop: '16px' } }, logs.el);
  const opSection = h('div', { hidden: true }, operation.el);
  ctx.root.append(
    pageHead({ crumbs: [{ href: '#/jobs', text: 'Jobs' }, { text: id }], title: id, badges, subtitle, actions: stopBtn }),
    summarySection,
    opSection,
    failures,
    allocSection,
    eventsSection,
    logsSection);

  async function refresh() {
    try {
      job = await api(`/v1/jobs/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!ctx.alive()) return;
      if (e.status === 404) {
        ctx.root.replaceChildren(pageHead({ crumbs: [{ href: '#/jobs', text: 'Jobs' }], title: id }),
          card('Not found', {}, empty('search', 'There is no job with this id', h('span', { class: 'mono' }, id), h('a', { href: '#/jobs' }, 'Back to all jobs'))));
        ctx.setErrors([]);
        return;
      }
      if (!job) fill(summary, empty('alert', 'Job details are unavailable'));
      ctx.setErrors([{ what: `load job ${id}`, err: e }]);
      return;
    }
    if (!ctx.alive()) return;
    ctx.setErrors([]);
    const op = isOperation(job);
    summarySection.hidden = op;
    allocSection.hidden = op;
    logsSection.hidden = op;
    eventsSection.hidden = op;
    opSection.hidden = !op;
    if (op) {
      renderOperation(job);
      return;
    }
    render(job);
    events.refresh();
    await logs.update(job.allocations || []);
  }

  function renderOperation(j) {
    const o = j.operation || {};
    const ended = OPERATION_ENDED.includes(o.status) || OPERATION_ENDED.includes(j.status);
    fill(badges, badge('op', o.status || j.status), plainBadge('operation', 'off'), plainBadge(`v${j.version}`, 'off'));
    fill(subtitle, `Operation · ${plural((o.steps || []).length, 'step')} · ${plural((o.nodes || []).length, 'node')}${o.target ? ` · target ${o.target}` : ''}`);
    fill(stopBtn, icon('stop'), 'Cancel operation');
    stopBtn.disabled = ended;
    stopBtn.title = ended ? `This operation has ended (${o.status || j.status})` : '';
    operation.update(j);
  }

  function render(j) {
    fill(stopBtn, icon('stop'), 'Stop job');
    const list = j.allocations || [];
    const counts = Object.fromEntries(ALLOC_ORDER.map((k) => [k, 0]));
    for (const a of list) counts[a.status] = (counts[a.status] || 0) + 1;
    const live = list.filter((a) => a.desired === 'run' && (a.status === 'running' || a.status === 'pending')).length;
    const failedExits = list.filter((a) => a.exit_code != null && a.exit_code !== 0).length;

    fill(badges, badge('job', j.status), plainBadge(j.type, 'off'), plainBadge(`v${j.version}`, 'off'));
    fill(subtitle, `${cap(j.type)} job · ${plural(list.length, 'allocation')} · ${num(live)} live`);
    stopBtn.disabled = j.status === 'stopped';
    stopBtn.title = j.status === 'stopped' ? 'This job is already stopped' : '';

    const { bar } = allocBar(counts, { large: true });
    fill(summary,
      j.status === 'stopped' ? h('div', { class: 'notice' }, infoBanner('info', 'This job was stopped: its allocations are not rescheduled.')) : null,
      h('div', { class: 'facts', style: { marginBottom: '16px' } },
        fact('Status', badge('job', j.status)),
        fact('Type', j.type),
        fact('Version', `v${j.version}`),
        fact('Allocations', num(list.length)),
        fact('Non-zero exits', num(failedExits)),
        fact('Unplaced', num((j.failures || []).reduce((s, f) => s + (f.unplaced || 0), 0)))),
      bar, allocLegend(counts));

    fill(failures, (j.failures || []).length ? h('div', { style: { marginTop: '16px' } }, placementCard(j.failures)) : null);

    allocCount.textContent = `${num(live)} live, ${num(list.length)} total`;
    if (!allocBody.contains(allocs.el)) allocBody.replaceChildren(allocs.el);
    allocs.update(list);
  }

  // Live: this job's events (its allocations, operation steps, deployments). The allocation events panel and the
  // logs re-read with the job, so an event for any of them refreshes all three.
  return {
    refresh,
    interval: 2000,
    live: { topics: ['Job', 'Allocation', 'Operation', 'Deployment'], job: id, every: 30000 },
    unmount: () => logs.close(),
  };
}

/** Why allocations could not be placed: per group, how many nodes each scheduler check filtered out. */
function placementCard(list) {
  const total = list.reduce((s, f) => s + (f.unplaced || 0), 0);
  return card('Placement failures', { count: `${plural(total, 'allocation')} could not be placed` },
    h('div', { class: 'card-body' },
      h('p', { class: 'muted', style: { margin: '0 0 14px' } }, 'Each evaluated node is counted once, under the first check it failed.'),
      list.map((f) => {
        const checks = Object.entries(f.filtered || {}).sort((a, b) => b[1] - a[1]);
        const filtered = checks.reduce((s, [, n]) => s + n, 0);
        const max = Math.max(f.nodes_evaluated || 0, ...checks.map(([, n]) => n), 1);
        return h('div', { class: 'failure' },
          h('div', { class: 'failure-head' },
            h('h3', null, 'Group ', h('span', { class: 'mono' }, f.group)),
            plainBadge(`${num(f.unplaced)} unplaced`, 'bad'),
            h('span', { class: 'muted' }, `${plural(f.nodes_evaluated || 0, 'node')} evaluated, ${num(filtered)} filtered`)),
          checks.length
            ? h('div', { class: 'hbars' }, checks.map(([name, n]) => [
              h('span', { class: 'name' }, name),
              h('span', { class: 'track', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.max(2, (100 * n) / max)}%` } })),
              h('span', { class: 'val' }, `${num(n)} ${n === 1 ? 'node' : 'nodes'}`),
            ]))
            : h('p', { class: 'muted', style: { margin: 0 } }, f.nodes_evaluated
              ? 'No check filtered the evaluated nodes; they lacked room for the remaining allocations.'
              : 'No nodes were available to evaluate: no worker is registered and ready.'));
      })));
}

function fact(label, value) {
  return h('div', { class: 'fact' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

const cap = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : '');
