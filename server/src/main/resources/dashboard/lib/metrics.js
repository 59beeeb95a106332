// The few server metrics the overview charts, read from GET /v1/metrics (Prometheus text format), with rates computed
// here over a rolling window: the server exports counters, and a browser has no Prometheus to run rate() for it.

/**
 * Parses Prometheus text into [{name, labels: {k: v}, value}]. Comments, blank lines and unparsable lines are skipped;
 * label values may hold escaped quotes, and Micrometer's trailing comma ({state="ready",}) is accepted.
 */
export function parsePrometheus(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : m[4]);
    if (Number.isNaN(value)) continue;
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l;
    while ((l = re.exec(m[3] || ''))) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** The sum of a metric's series whose labels include `match` (null when there is none). */
export function pick(samples, name, match = {}) {
  let sum = null;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).some(([k, v]) => s.labels[k] !== v)) continue;
    sum = (sum || 0) + s.value;
  }
  return sum;
}

/** What the overview charts, per scrape: one counter and two gauges. */
export function reading(samples) {
  return {
    heartbeats: pick(samples, 'muster_worker_heartbeats_total'),
    applyLag: pick(samples, 'muster_raft_apply_lag'),
    ready: pick(samples, 'muster_nodes', { state: 'ready' }),
  };
}

/**
 * A rolling series of readings: keeps `spanMs` of them, and turns the counter into a per-second rate over the last
 * `rateMs` (a counter that went down means the server restarted: no rate across that point).
 */
export function series({ spanMs = 5 * 60000, rateMs = 10000 } = {}) {
  const points = []; // {t, heartbeats, applyLag, ready, rate}
  return {
    add(t, r) {
      let rate = null;
      const base = [...points].reverse().find((p) => t - p.t >= rateMs) || points[0];
      if (base && r.heartbeats != null && base.heartbeats != null && t > base.t) {
        const after = points.slice(points.indexOf(base));
        const reset = [...after.map((p) => p.heartbeats), r.heartbeats].some((v, i, a) => i > 0 && v < a[i - 1]);
        if (!reset) rate = ((r.heartbeats - base.heartbeats) * 1000) / (t - base.t);
      }
      points.push({ t, ...r, rate });
      while (points.length && t - points[0].t > spanMs) points.shift();
    },
    points: () => points,
  };
}
