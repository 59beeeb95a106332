// Node detail: profile, labels, drain/eligibility controls and the node's allocations.
import { api } from '../lib/api.js';
import { h, fill } from '../lib/dom.js';
import { num, mib, mhz, ago, when } from '../lib/format.js';
import { badge, plainBadge, card, pageHead, kv, loading, empty } from '../lib/ui.js';
import { allocTable } from '../lib/allocs.js';
import { nodeButtons } from '../lib/actions.js';

export function nodeView(ctx) {
  const id = ctx.parts[1];
  ctx.setTitle(`Node ${id}`);
  const badges = h('span', { class: 'title-row' });
  const subtitle = h('span', null, '\u00a0');
  const actions = h('div', { class: 'btn-group' });
  const profile = h('div', { class: 'card-body' }, loading(6));
  const labels = h('div', { class: 'card-body flush' }, loading(3));
  const allocCount = h('span');
  const labelCount = h('span');
  const allocs = allocTable({ showJob: true, emptyText: 'No allocations have been placed on this node' });
  const allocBody = h('div', { class: 'card-body flush' }, loading(3));
  let node = null;

  ctx.root.append(
    pageHead({ crumbs: [{ href: '#/nodes', text: 'Nodes' }, { text: `node ${id}` }], title: `Node ${id}`, badges, subtitle, actions }),
    h('div', { class: 'grid grid-2' },
      card('Profile', {}, profile),
      card('Labels', { count: labelCount }, labels)),
    h('div', { style: { marginTop: '16px' } }, card('Allocations', { count: allocCount }, allocBody)));

  async function refresh() {
    try {
      node = await api(`/v1/nodes/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!ctx.alive()) return;
      if (e.status === 404 || e.status === 400) {
        ctx.root.replaceChildren(pageHead({ crumbs: [{ href: '#/nodes', text: 'Nodes' }], title: `Node ${id}` }),
          card('Not found', {}, empty('search', `There is no node with id ${id}`, h('a', { href: '#/nodes' }, 'Back to all nodes'))));
        ctx.setErrors([]);
        return;
      }
      if (!node) fill(profile, empty('alert', 'Node details are unavailable'));
      ctx.setErrors([{ what: `load node ${id}`, err: e }]);
      return;
    }
    if (!ctx.alive()) return;
    ctx.setErrors([]);
    render(node);
  }

  function render(n) {
    fill(badges, badge('node', n.state),
      n.eligible ? plainBadge('eligible', 'ok') : plainBadge('ineligible', 'warn'),
      n.drain && n.drain !== 'none' ? plainBadge(n.drain === 'draining' ? 'drain in progress' : `drain ${n.drain}`, n.drain === 'draining' ? 'warn' : 'off') : null);
    fill(subtitle, n.hostname || 'no hostname reported', n.revoked_reason ? ` · revoked: ${n.revoked_reason}` : '');
    fill(actions, nodeButtons(n, () => ctx.refreshNow(), { small: false }));
    fill(profile, kv([
      ['Hostname', n.hostname],
      ['Platform', h('span', { class: 'mono' }, `${n.os || '?'}/${n.arch || '?'}`)],
      ['CPU', mhz(n.cpu_mhz)],
      ['Memory', mib(n.memory_mb)],
      ['Drivers', (n.drivers || []).length ? h('div', { class: 'chips' }, n.drivers.map((d) => h('span', { class: 'chip' }, d))) : null],
      ['Live allocations', num(n.allocs)],
      ['Last heartbeat', n.last_heartbeat ? h('span', { title: when(n.last_heartbeat) }, `${ago(n.last_heartbeat)}`, h('span', { class: 'muted' }, ` · ${when(n.last_heartbeat)}`)) : 'none since this leader took over'],
      ['Heartbeat TTL', n.ttl_secs == null ? null : `${num(n.ttl_secs)} s`],
      ['Registered', when(n.registered_at)],
      ['Certificate expires', n.cert_not_after ? h('span', null, when(n.cert_not_after), h('span', { class: 'muted' }, ` (${ago(n.cert_not_after)})`)) : null],
      ['Drain', n.drain || 'none'],
      n.resource_limits ? ['Resource limits', n.resource_limits.enforced
        ? h('span', null, plainBadge('enforced', 'ok'), h('span', { class: 'muted' }, ` ${n.resource_limits.detail}`))
        : h('span', null, plainBadge('not enforced', 'warn'), h('span', { class: 'muted' }, ` ${n.resource_limits.detail.replace(/^not enforced: /, '')}`))] : null,
      usageSummary(n.allocations || []),
      n.revoked_reason ? ['Revoked', n.revoked_reason] : null,
    ]));
    const entries = Object.entries(n.labels || {}).sort(([a], [b]) => a.localeCompare(b));
    labelCount.textContent = entries.length ? String(entries.length) : '';
    fill(labels, entries.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'data' }, h('caption', { class: 'visually-hidden' }, 'Labels'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Value'))),
        h('tbody', null, entries.map(([k, v]) => h('tr', null, h('td', { class: 'mono wrap' }, k), h('td', { class: 'mono wrap' }, v))))))
      : empty('info', 'No labels', 'Labels come from the worker\'s --labels flag or its join token.'));
    const list = n.allocations || [];
    const live = list.filter((a) => a.desired === 'run' && (a.status === 'running' || a.status === 'pending')).length;
    allocCount.textContent = `${num(live)} live, ${num(list.length)} total`;
    if (!allocBody.contains(allocs.el)) allocBody.replaceChildren(allocs.el);
    allocs.update(list);
  }

  /** What the running allocations use, from their cgroups (the worker's latest sample). */
  function usageSummary(list) {
    const sampled = list.filter((a) => a.usage);
    if (!sampled.length) return null;
    const mem = sampled.reduce((t, a) => t + a.usage.memory_bytes, 0);
    const limit = sampled.reduce((t, a) => t + a.usage.memory_limit_bytes, 0);
    const ooms = sampled.reduce((t, a) => t + a.usage.oom_kills, 0);
    const cpu = sampled.reduce((t, a) => t + a.usage.cpu_seconds, 0);
    return ['Task usage', `${mib(Math.round(mem / 1048576))}${limit ? ` of ${mib(Math.round(limit / 1048576))}` : ''} memory,`
      + ` ${cpu.toFixed(1)} s CPU in ${num(sampled.length)} allocation${sampled.length === 1 ? '' : 's'}`
      + (ooms ? ` · ${num(ooms)} OOM kill${ooms === 1 ? '' : 's'}` : '')];
  }

  // Live: this node's events and its allocations'; every 15 s besides, for "last heartbeat".
  return { refresh, interval: 2000, live: { topics: ['Node', 'Allocation'], node: id, every: 15000 } };
}

