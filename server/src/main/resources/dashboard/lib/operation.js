// An operation job on the job page: its header (status, strategy, target, step, times, reason, excluded nodes) and
// the results matrix: tasks (rows, in step order) by nodes (columns), each cell coloured by how the task did there,
// with the attempts and, on hover, the node's message and the end of the task's output.
import { h, fill } from './dom.js';
import { badge, card, empty, infoBanner } from './ui.js';
import { num, plural, ago, when, parseTime } from './format.js';
import { href } from './router.js';

/** Operation statuses that end it: the view stops offering Cancel. */
export const OPERATION_ENDED = ['complete', 'failed', 'cancelled'];

export const isOperation = (job) => !!job && (job.type === 'operation' || !!job.operation);

/** "350 ms", "2.3 s", "4m 05s": how long an attempt ran. */
export function duration(ms) {
  if (ms == null || ms <= 0) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return s < 3600 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The text of a result cell: status, duration and, after a retry, the attempts ("failed 1.2 s ×3"). */
export function cellText(r) {
  const parts = [r.status || 'unknown'];
  const d = duration(r.duration_ms);
  if (d) parts.push(d);
  if ((r.attempts || 0) > 1) parts.push(`×${r.attempts}`);
  return parts.join(' ');
}

/** The hover text of a result cell: node, status, attempts, message, then the end of the output. */
export function cellTitle(node, task, r) {
  const lines = [`${task.key} ${task.task} on ${node.name || node.id}: ${r.status}`];
  if (r.attempts) lines.push(`attempt ${r.attempts}${r.duration_ms ? `, ${duration(r.duration_ms)}` : ''}`);
  if (r.message) lines.push(r.message);
  const out = (r.output || '').trimEnd();
  if (out) lines.push('', out.length > 600 ? `…${out.slice(-600)}` : out);
  return lines.join('\n');
}

/** The target's nodes in the server's order, then any node only the results name. */
export function matrixNodes(op, results) {
  const nodes = (op.nodes || []).map((n) => ({ id: String(n.id), name: n.name || String(n.id) }));
  const known = new Set(nodes.map((n) => n.id));
  for (const byNode of Object.values(results || {})) {
    for (const [id, r] of Object.entries(byNode || {})) {
      if (!known.has(id)) {
        known.add(id);
        nodes.push({ id, name: (r && r.node) || id });
      }
    }
  }
  return nodes;
}

/** Result tallies over every task and node, for the results card's count. */
export function tally(results) {
  const counts = {};
  for (const byNode of Object.values(results || {})) for (const r of Object.values(byNode || {})) counts[r.status] = (counts[r.status] || 0) + 1;
  return counts;
}

export const RESULT_ORDER = ['success', 'failed', 'running', 'retrying', 'pending', 'stopped'];

/** Builds the two cards once; update(job) refills them on every refresh. */
export function operationPanel() {
  const head = h('div', { class: 'card-body' });
  const count = h('span');
  const body = h('div', { class: 'card-body flush' });
  const el = h('div', null,
    card('Operation', {}, head),
    h('div', { style: { marginTop: '16px' } }, card('Results', { count }, body)));

  function update(job) {
    const op = job.operation;
    if (!op) {
      fill(head, empty('info', 'The server sent no operation details for this job'));
      fill(body);
      count.textContent = '';
      return;
    }
    fill(head, header(op));
    const results = job.results || {};
    const counts = tally(results);
    count.textContent = RESULT_ORDER.filter((k) => counts[k]).map((k) => `${num(counts[k])} ${k}`).join(', ') || 'no results yet';
    const steps = op.steps || [];
    const nodes = matrixNodes(op, results);
    if (!steps.length || !nodes.length) {
      fill(body, empty('box', nodes.length ? 'This operation has no steps' : 'No node of the target can run this operation'));
      return;
    }
    fill(body, h('div', { class: 'table-wrap' }, matrix(steps, nodes, results)));
  }

  return { el, update };
}

function header(op) {
  const started = op.started_at;
  const ended = op.ended_at;
  const took = parseTime(started) != null && parseTime(ended) != null ? duration(parseTime(ended) - parseTime(started)) : '';
  const steps = op.steps || [];
  return [
    op.reason ? h('div', { class: 'notice' }, infoBanner(op.status === 'failed' ? 'warn' : 'info', `${capital(op.status)}: ${op.reason}`)) : null,
    h('div', { class: 'facts' },
      fact('Status', badge('op', op.status)),
      fact('Strategy', op.strategy || '—'),
      fact('Target', h('span', { class: 'mono' }, op.target || '—')),
      fact('Step', steps.length ? `${op.step} (steps 0–${steps.length - 1})` : String(op.step ?? '—')),
      fact('Nodes', num((op.nodes || []).length)),
      fact('Excluded', num((op.excluded || []).length)),
      fact('Started', started ? h('span', { title: when(started) }, ago(started)) : op.queued_at ? h('span', { title: when(op.queued_at) }, `queued ${ago(op.queued_at)}`) : '—'),
      fact(ended ? 'Took' : 'Ended', ended ? h('span', { title: `ended ${when(ended)}` }, took || '—') : '—')),
    (op.excluded || []).length ? h('div', { class: 'op-excluded' },
      h('span', { class: 'muted' }, `${plural(op.excluded.length, 'node')} of the target cannot run it: `),
      op.excluded.map((n, i) => [i ? ', ' : null, h('a', { href: href('nodes', n.id) }, n.name || String(n.id)), h('span', { class: 'muted' }, ` (${n.reason || 'excluded'})`)])) : null,
  ];
}

function matrix(steps, nodes, results) {
  const thead = h('thead', null, h('tr', null,
    h('th', { scope: 'col' }, 'Step'),
    h('th', { scope: 'col' }, 'Task'),
    nodes.map((n) => h('th', { scope: 'col', class: 'op-node' }, h('a', { href: href('nodes', n.id), title: `node ${n.id}` }, n.name)))));
  const rows = [];
  for (const step of steps) {
    const tasks = step.tasks || [];
    tasks.forEach((task, i) => {
      const byNode = results[task.key] || {};
      rows.push(h('tr', { class: step.state === 'skipped' ? 'row-dim' : null },
        i === 0 ? h('th', { scope: 'rowgroup', rowspan: String(tasks.length), class: 'op-step' },
          h('div', { class: 'nowrap' }, `Step ${step.index} `, badge('step', step.state)),
          h('div', { class: 'muted' }, step.pipeline ? `pipeline · ${step.condition}` : step.condition)) : null,
        h('td', { class: 'nowrap' }, h('span', { class: 'mono muted' }, task.key), ' ', task.task),
        nodes.map((n) => cell(byNode[n.id], n, task, step))));
    });
  }
  return h('table', { class: 'data dense op-matrix' }, h('caption', { class: 'visually-hidden' }, 'Results of each task on each node'), thead, h('tbody', null, rows));
}

function cell(r, node, task, step) {
  if (!r) return h('td', { class: 'op-cell' }, h('span', { class: 'muted' }, step.state === 'skipped' ? 'skipped' : '—'));
  return h('td', { class: 'op-cell' }, h('span', { class: `badge tone-${resultTone(r.status)}`, title: cellTitle(node, task, r) }, cellText(r)));
}

const RESULT_TONES = { pending: 'off', running: 'info', retrying: 'warn', success: 'ok', failed: 'bad', stopped: 'off' };
export const resultTone = (s) => RESULT_TONES[s] || 'off';

function fact(label, value) {
  return h('div', { class: 'fact' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

const capital = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : '');
