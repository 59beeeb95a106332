// Task log viewer for one job: pick an allocation and a stream; output arrives base64-encoded from the worker.
import { api, apiStream, describe } from '../lib/api.js';
import { h, fill, icon } from '../lib/dom.js';
import { bytes } from '../lib/format.js';
import { card, segmented, empty } from '../lib/ui.js';
import { shortId } from '../lib/allocs.js';

/** Decoded size of a base64 field, for the stream tabs ("" when empty). */
function size(b64) {
  if (!b64) return '';
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return bytes((b64.length * 3) / 4 - pad);
}

/** Base64 to text; invalid UTF-8 becomes U+FFFD rather than an error. */
export function decodeBase64(b64) {
  if (!b64) return '';
  const bin = atob(b64);
  const buf = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
  return new TextDecoder('utf-8').decode(buf);
}

export function logViewer(jobId) {
  const state = { alloc: null, stream: 'stdout', wrap: false, follow: false, data: null, optionsKey: '', loading: false, live: null };
  const select = h('select', { id: 'log-alloc', onchange: () => { state.alloc = select.value; state.data = null; stopFollow(); load(); if (state.follow) startFollow(); } });
  const streams = segmented([{ value: 'stdout', label: 'stdout' }, { value: 'stderr', label: 'stderr' }], 'stdout',
    (v) => { state.stream = v; paint(); }, 'Output stream');
  const wrap = h('input', { type: 'checkbox', onchange: () => { state.wrap = wrap.checked; paint(); } });
  const follow = h('input', { type: 'checkbox', onchange: () => {
    state.follow = follow.checked;
    if (state.follow) startFollow();
    else { stopFollow(); load(); }
  } });
  const reload = h('button', { type: 'button', class: 'btn btn-sm', onclick: () => load() }, icon('refresh'), 'Reload');
  const note = h('div', { class: 'log-note', hidden: true, role: 'status' });
  const pre = h('pre', { class: 'log', tabindex: '0', 'aria-label': 'Task output' });
  const tools = h('div', { class: 'log-tools' },
    h('label', { class: 'inline', for: 'log-alloc' }, 'Allocation'), select, streams.el,
    h('label', { class: 'inline' }, wrap, 'Wrap lines'),
    h('label', { class: 'inline' }, follow, 'Follow'),
    h('span', { class: 'spacer', style: { flex: '1' } }), reload);
  const bodyBox = h('div', null, tools, note, pre);
  const holder = h('div', { class: 'card-body flush' }, empty('log', 'No logs yet', 'Logs appear once an allocation has been placed on a node.'));
  const el = card('Task logs', { id: 'logs' }, holder);

  /** Called on every job refresh with its allocations: keeps the picker current, loads once, then only when following. */
  async function update(allocs) {
    if (!allocs.length) {
      if (holder.firstChild === bodyBox) holder.replaceChildren(empty('log', 'No logs yet', 'Logs appear once an allocation has been placed on a node.'));
      state.alloc = null;
      return;
    }
    if (holder.firstChild !== bodyBox) holder.replaceChildren(bodyBox);
    const ordered = allocs.slice().reverse(); // newest first
    const key = ordered.map((a) => `${a.id}:${a.status}`).join(',');
    if (key !== state.optionsKey) {
      state.optionsKey = key;
      fill(select, ordered.map((a) => h('option', { value: a.id }, `${shortId(a.id)} · ${a.group}[${a.index}] · ${a.status} · node ${a.node_id}`)));
    }
    if (!state.alloc || !ordered.some((a) => a.id === state.alloc)) {
      state.alloc = (ordered.find((a) => a.status === 'running') || ordered[0]).id;
      state.data = null;
    }
    select.value = state.alloc;
    if (!state.data && !state.live) await load();
  }

  /** Most text a followed stream keeps in the page; older lines are cut (at a line) beyond it. */
  const LIVE_MAX = 1 << 20;

  /**
   * Follow: one streamed answer (chunked NDJSON) instead of re-polling. It starts with what the worker holds of the
   * running attempt, then every batch of output as it is written, and ends when the task ends.
   */
  function startFollow() {
    stopFollow();
    const alloc = state.alloc;
    if (!alloc) return;
    const live = { alloc, abort: new AbortController(), text: { stdout: '', stderr: '' }, dropped: { stdout: 0, stderr: 0 },
      decoders: { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') }, ended: false, error: null };
    state.live = live;
    paint();
    let pending = false;
    const repaint = () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; if (state.live === live) paint(); }); } };
    apiStream(`/v1/allocations/${encodeURIComponent(alloc)}/logs?follow=true&stream=both&tail=all`, (e) => {
      if (e.end) { live.ended = true; if (e.error) live.error = e.error; repaint(); return; }
      if (!e.data) return;
      const s = e.stream === 'stderr' ? 'stderr' : 'stdout';
      if (e.dropped) live.dropped[s] += e.dropped;
      const bin = atob(e.data);
      const buf = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
      let t = live.text[s] + live.decoders[s].decode(buf, { stream: true });
      if (t.length > LIVE_MAX) { const cut = t.indexOf('\n', t.length - LIVE_MAX); t = t.slice(cut < 0 ? t.length - LIVE_MAX : cut + 1); }
      live.text[s] = t;
      repaint();
    }, live.abort.signal).catch((err) => {
      if (live.abort.signal.aborted) return;
      live.ended = true;
      live.error = `the follow stopped: ${describe(err)}`;
      repaint();
    });
  }

  function stopFollow() {
    if (state.live) state.live.abort.abort();
    state.live = null;
  }

  async function load() {
    if (!state.alloc || state.loading) return;
    state.loading = true;
    reload.disabled = true;
    const alloc = state.alloc;
    try {
      const r = await api(`/v1/jobs/${encodeURIComponent(jobId)}/logs?alloc=${encodeURIComponent(alloc)}`);
      const part = (r.allocations || []).find((a) => a.alloc_id === alloc) || (r.allocations || [])[0] || {};
      if (alloc === state.alloc) state.data = part;
    } catch (e) {
      if (alloc === state.alloc) state.data = { error: `could not load logs: ${describe(e)}` };
    } finally {
      state.loading = false;
      reload.disabled = false;
    }
    if (alloc !== state.alloc) return load(); // the selection changed while this one was loading
    paint();
  }

  /** Renders the chosen stream, keeping the scroll pinned to the end when it was there. */
  function paint() {
    const live = state.live;
    const d = live ? { stdout: '', stderr: '', error: live.error || (live.ended ? 'The task ended; nothing more will come.' : '') } : state.data;
    const atEnd = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
    pre.className = `log${state.wrap ? ' wrap' : ''}${state.stream === 'stderr' ? ' stderr' : ''}`;
    if (!d) {
      fill(pre, h('span', { class: 'log-empty' }, 'Loading…'));
      note.hidden = true;
      return;
    }
    const notes = [];
    if (d.error) notes.push(d.error);
    const dropped = live ? live.dropped[state.stream] : d[`${state.stream}_dropped`];
    if (dropped) notes.push(`The first ${bytes(dropped)} of ${state.stream} were dropped; only the most recent output is kept.`);
    fill(note, notes.join(' '));
    note.hidden = !notes.length;
    let textOut;
    if (live) {
      streams.update({ stdout: bytes(live.text.stdout.length) , stderr: bytes(live.text.stderr.length) });
      textOut = live.text[state.stream];
    } else {
      streams.update({ stdout: size(d.stdout), stderr: size(d.stderr) });
      try {
        textOut = decodeBase64(d[state.stream]);
      } catch {
        textOut = null;
      }
    }
    if (textOut == null) fill(pre, h('span', { class: 'log-empty' }, `The ${state.stream} data could not be decoded.`));
    else if (!textOut) fill(pre, h('span', { class: 'log-empty' }, d.error ? 'No output available.' : `No output on ${state.stream} yet.`));
    else pre.textContent = textOut;
    if (atEnd || state.follow) pre.scrollTop = pre.scrollHeight;
  }

  return {
    el,
    update,
    /** Jump here from an allocation row's "Logs" button. */
    show(allocId) {
      state.alloc = allocId;
      state.data = null;
      select.value = allocId;
      el.scrollIntoView({ behavior: 'smooth', block: 'start' });
      select.focus({ preventScroll: true });
      stopFollow();
      load();
      if (state.follow) startFollow();
    },
    close() {
      state.follow = false;
      stopFollow();
    },
  };
}
