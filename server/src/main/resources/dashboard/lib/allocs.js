// The allocation table shared by the node and job pages.
import { h } from './dom.js';
import { badge, empty } from './ui.js';
import { dataTable } from './table.js';
import { href } from './router.js';
import { lastEventCell } from './events.js';

const lastEventTime = (a) => { const l = a.events || []; return l.length ? l[l.length - 1].time : ''; };

const STATUS_RANK = { running: 0, pending: 1, failed: 2, lost: 3, complete: 4, stopped: 5 };

export const shortId = (id) => String(id || '').slice(0, 8);

/** Options: showJob, showNode, onLogs(alloc) / onEvents(alloc) add a "Logs" / "Events" button per row; emptyText may be a function. */
export function allocTable({ showJob = false, showNode = false, onLogs = null, onEvents = null, emptyText = 'No allocations' } = {}) {
  const cols = [
    { id: 'id', label: 'Allocation', value: (a) => a.id, render: (a) => h('span', { class: 'mono', title: a.id }, shortId(a.id)) },
    showJob && { id: 'job', label: 'Job', value: (a) => a.job_id, cls: 'clip', render: (a) => h('a', { href: href('jobs', a.job_id) }, a.job_id) },
    showNode && { id: 'node', label: 'Node', value: (a) => a.node_id, render: (a) => h('a', { href: href('nodes', a.node_id), class: 'mono' }, String(a.node_id)) },
    { id: 'group', label: 'Group', value: (a) => `${a.group}\u0000${String(a.index).padStart(6, '0')}`, render: (a) => h('span', { class: 'nowrap' }, a.group, h('span', { class: 'muted' }, `[${a.index}]`)) },
    { id: 'status', label: 'Status', value: (a) => STATUS_RANK[a.status] ?? 9, render: (a) => badge('alloc', a.status) },
    { id: 'desired', label: 'Desired', value: (a) => a.desired, render: (a) => (a.desired === 'run' ? 'run' : h('span', { class: 'muted' }, a.desired)) },
    { id: 'exit', label: 'Exit code', r: true, value: (a) => a.exit_code, render: exitCode },
    { id: 'attempt', label: 'Attempt', r: true, value: (a) => a.attempt, render: (a) => String((a.attempt || 0) + 1) },
    { id: 'event', label: 'Last event', value: (a) => lastEventTime(a), render: lastEventCell },
    { id: 'msg', label: 'Message', cls: 'clip', render: (a) => (a.message ? h('span', { title: a.message }, a.message) : h('span', { class: 'muted' }, '—')) },
    onEvents && { id: 'events', label: h('span', { class: 'visually-hidden' }, 'Events'),
      render: (a) => h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': `Show events of allocation ${shortId(a.id)}`, onclick: () => onEvents(a) }, 'Events') },
    onLogs && { id: 'logs', label: h('span', { class: 'visually-hidden' }, 'Logs'),
      render: (a) => h('button', { type: 'button', class: 'btn btn-sm', 'data-fkey': `logs:${a.id}`, 'aria-label': `Show logs of allocation ${shortId(a.id)}`, onclick: () => onLogs(a) }, 'Logs') },
  ].filter(Boolean);
  return dataTable(cols, {
    caption: 'Allocations',
    pageSize: 100,
    sort: { id: 'status', dir: 'asc' },
    rowClass: (a) => (a.desired !== 'run' ? 'row-dim' : null),
    empty: () => empty('box', typeof emptyText === 'function' ? emptyText() : emptyText),
  });
}

function exitCode(a) {
  if (a.exit_code == null) return h('span', { class: 'muted' }, '—');
  return a.exit_code === 0 ? h('span', null, '0') : h('strong', { style: { color: 'var(--bad-fg)' } }, String(a.exit_code));
}
