// A small line chart in plain SVG: one series over time, its latest value as text, and a screen-reader summary.
// Built with createElementNS and numbers only, so no data string ever becomes markup.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 240;
const H = 56;

function svg(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** A chart tile; update(points) redraws it from [{t, v}] (v null where there was no value). */
export function lineChart({ title, unit = '', digits = 0, tone = 'info', id }) {
  const value = h('div', { class: 'chart-value num' }, '—');
  const note = h('div', { class: 'chart-note muted' }, 'waiting for samples');
  const plot = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', class: `chart-svg tone-${tone}`, 'aria-label': title });
  const area = svg('path', { class: 'chart-area', d: '' });
  const line = svg('path', { class: 'chart-line', d: '', fill: 'none' });
  const base = svg('line', { class: 'chart-base', x1: 0, x2: W, y1: H - 1, y2: H - 1 });
  plot.append(base, area, line);
  const el = h('figure', { class: 'chart', id, 'data-chart': id },
    h('figcaption', { class: 'chart-title' }, title), value, plot, note);
  const fmt = (v) => (v == null ? '—' : `${v.toFixed(digits)}${unit}`);

  return {
    el,
    update(points) {
      const known = points.filter((p) => p.v != null && Number.isFinite(p.v));
      const last = known[known.length - 1];
      value.textContent = last ? fmt(last.v) : '—';
      if (known.length < 2) {
        line.setAttribute('d', '');
        area.setAttribute('d', '');
        note.textContent = known.length ? 'collecting samples' : 'no data from /v1/metrics';
        return;
      }
      const t0 = known[0].t;
      const span = Math.max(1, last.t - t0);
      const max = Math.max(...known.map((p) => p.v), 1e-9);
      const top = max * 1.15; // headroom so a flat line is not drawn on the frame
      const xy = known.map((p) => [((p.t - t0) / span) * W, H - 1 - (Math.max(0, p.v) / top) * (H - 4)]);
      const d = xy.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
      line.setAttribute('d', d);
      area.setAttribute('d', `${d}L${W},${H}L0,${H}Z`);
      const secs = Math.round(span / 1000);
      note.textContent = `last ${secs >= 60 ? `${Math.round(secs / 60)} min` : `${secs} s`} · max ${fmt(max)}`;
      plot.setAttribute('aria-label', `${title}: now ${fmt(last.v)}, max ${fmt(max)} over the last ${secs} seconds`);
    },
  };
}
