// The overview's "Metrics" card: heartbeats/s, Raft apply lag and ready workers, sampled from this server's
// /v1/metrics every 2 s while the tab is visible and the page is not paused. Metrics are per server and are not
// events, so this is the one part of a live page that polls.
import { apiText, describe } from './api.js';
import { h, fill } from './dom.js';
import { card } from './ui.js';
import { lineChart } from './chart.js';
import { parsePrometheus, reading, series } from './metrics.js';

const SAMPLE_MS = 2000;

export function metricsCard({ paused }) {
  const charts = {
    rate: lineChart({ title: 'Heartbeats/s', digits: 2, tone: 'ok', id: 'chart-heartbeats' }),
    lag: lineChart({ title: 'Raft apply lag (entries)', tone: 'warn', id: 'chart-apply-lag' }),
    ready: lineChart({ title: 'Ready workers', tone: 'info', id: 'chart-ready' }),
  };
  const problem = h('div');
  const el = card('Metrics', { count: 'this server · last 5 min' },
    h('div', { class: 'card-body' }, problem, h('div', { class: 'charts' }, charts.rate.el, charts.lag.el, charts.ready.el)));
  const data = series();
  let timer = 0;
  let stopped = false;

  async function sample() {
    if (stopped) return;
    if (!document.hidden && !paused()) {
      try {
        const text = await apiText('/v1/metrics');
        data.add(Date.now(), reading(parsePrometheus(text)));
        fill(problem);
        draw();
      } catch (e) {
        fill(problem, h('p', { class: 'muted' }, e.status === 401 || e.status === 403
          ? 'Metrics need a token with metrics:read.' : `Metrics are unavailable: ${describe(e)}`));
      }
    }
    if (!stopped) timer = setTimeout(sample, SAMPLE_MS);
  }

  function draw() {
    const pts = data.points();
    charts.rate.update(pts.map((p) => ({ t: p.t, v: p.rate })));
    charts.lag.update(pts.map((p) => ({ t: p.t, v: p.applyLag })));
    charts.ready.update(pts.map((p) => ({ t: p.t, v: p.ready })));
  }

  sample();
  return {
    el,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
