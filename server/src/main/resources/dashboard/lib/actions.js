// Operator actions that change the cluster: each asks for confirmation, reports the outcome, then refreshes.
import { api, describe } from './api.js';
import { confirm, toast } from './ui.js';
import { h } from './dom.js';
import { plural } from './format.js';

const nodeName = (n) => (n.hostname ? `node ${n.id} (${n.hostname})` : `node ${n.id}`);

async function run(request, done, failed, after) {
  try {
    await request();
    toast(done);
  } catch (e) {
    toast(`${failed}: ${describe(e)}`, true);
  }
  if (after) after();
}

export async function toggleDrain(node, after) {
  const draining = node.drain === 'draining';
  const ok = await confirm(draining
    ? { title: `Cancel the drain on ${nodeName(node)}?`, body: 'The node stops draining and becomes eligible for new allocations again.', ok: 'Cancel drain' }
    : {
      title: `Drain ${nodeName(node)}?`,
      body: `The node takes no new work, and ${node.allocs ? `its ${plural(node.allocs, 'running allocation')} will be stopped and placed on other nodes` : 'it runs no allocations right now'}. You can cancel the drain later.`,
      ok: 'Drain node',
      danger: true,
    });
  if (!ok) return;
  await run(() => api(`/v1/nodes/${encodeURIComponent(node.id)}/drain`, { method: 'POST', body: { enable: !draining } }),
    draining ? `Drain cancelled on node ${node.id}` : `Node ${node.id} is draining`,
    draining ? `Could not cancel the drain on node ${node.id}` : `Could not drain node ${node.id}`, after);
}

export async function toggleEligibility(node, after) {
  const eligible = !node.eligible;
  const ok = await confirm(eligible
    ? { title: `Make ${nodeName(node)} eligible?`, body: 'The scheduler may place new allocations on it again.', ok: 'Make eligible' }
    : {
      title: `Make ${nodeName(node)} ineligible?`,
      body: 'The scheduler places no new allocations on it. Allocations already running there keep running.',
      ok: 'Make ineligible',
      danger: true,
    });
  if (!ok) return;
  await run(() => api(`/v1/nodes/${encodeURIComponent(node.id)}/eligibility`, { method: 'POST', body: { eligible } }),
    `Node ${node.id} is now ${eligible ? 'eligible' : 'ineligible'}`, `Could not change the eligibility of node ${node.id}`, after);
}

export async function stopJob(job, after) {
  const live = (job.allocations || []).filter((a) => a.desired === 'run' && (a.status === 'running' || a.status === 'pending')).length;
  const ok = await confirm({
    title: `Stop job ${job.id}?`,
    body: `${live ? `Its ${plural(live, 'live allocation')} will be stopped` : 'It has no live allocations'}, and it will not be rescheduled. Submit the job again to restart it.`,
    ok: 'Stop job',
    danger: true,
  });
  if (!ok) return;
  await run(() => api(`/v1/jobs/${encodeURIComponent(job.id)}`, { method: 'DELETE' }),
    `Job ${job.id} stopped`, `Could not stop job ${job.id}`, after);
}

/** Cancels an operation job: the server stops its running tasks and starts no further step. */
export async function cancelOperation(job, after) {
  const running = Object.values(job.results || {}).reduce((n, byNode) => n + Object.values(byNode || {}).filter((r) => r.status === 'running' || r.status === 'retrying').length, 0);
  const ok = await confirm({
    title: `Cancel operation ${job.id}?`,
    body: `${running ? `Its ${plural(running, 'running task')} will be stopped` : 'No task of it is running right now'}, and no further step starts. Tasks that already ran are not undone.`,
    ok: 'Cancel operation',
    danger: true,
  });
  if (!ok) return;
  await run(() => api(`/v1/jobs/${encodeURIComponent(job.id)}/cancel`, { method: 'POST' }),
    `Operation ${job.id} cancelled`, `Could not cancel operation ${job.id}`, after);
}

/** The drain and eligibility buttons for one node; `fk` keeps keyboard focus across table refreshes. */
export function nodeButtons(node, after, { small = true } = {}) {
  const revoked = node.state === 'revoked';
  const draining = node.drain === 'draining';
  const cls = `btn${small ? ' btn-sm' : ''}`;
  return h('div', { class: 'btn-group' },
    h('button', {
      type: 'button', class: cls, disabled: revoked, 'data-fkey': `drain:${node.id}`,
      'aria-label': `${draining ? 'Cancel the drain on' : 'Drain'} node ${node.id}`,
      onclick: () => toggleDrain(node, after),
    }, draining ? 'Cancel drain' : 'Drain'),
    h('button', {
      type: 'button', class: cls, disabled: revoked || (draining && !node.eligible), 'data-fkey': `elig:${node.id}`,
      title: draining && !node.eligible ? 'Cancel the drain first' : null,
      'aria-label': `Make node ${node.id} ${node.eligible ? 'ineligible' : 'eligible'}`,
      onclick: () => toggleEligibility(node, after),
    }, node.eligible ? 'Make ineligible' : 'Make eligible'));
}
