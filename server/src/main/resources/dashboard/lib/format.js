// Number, size and time formatting for display.

const nf = new Intl.NumberFormat();

export const num = (n) => (n == null || Number.isNaN(n) ? '—' : nf.format(n));

/** "8 GiB", "512 MiB" from a MiB count. */
export function mib(mb) {
  if (mb == null) return '—';
  if (mb >= 1024) return `${+(mb / 1024).toFixed(mb % 1024 === 0 ? 0 : 1)} GiB`;
  return `${mb} MiB`;
}

/** "3.2 GHz", "800 MHz". */
export function mhz(v) {
  if (v == null) return '—';
  return v >= 1000 ? `${+(v / 1000).toFixed(1)} GHz` : `${v} MHz`;
}

export function bytes(n) {
  if (n == null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Parses an ISO-8601 instant; null for missing or invalid values. */
export function parseTime(iso) {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** "just now", "12s ago", "5m ago", "3h ago", "4d ago"; future times as "in 3h". */
export function ago(iso, now = Date.now()) {
  const t = parseTime(iso);
  if (t == null) return '—';
  const d = Math.round((now - t) / 1000);
  const abs = Math.abs(d);
  let s;
  if (abs < 3) return 'just now';
  if (abs < 60) s = `${abs}s`;
  else if (abs < 3600) s = `${Math.floor(abs / 60)}m`;
  else if (abs < 86400) s = `${Math.floor(abs / 3600)}h`;
  else s = `${Math.floor(abs / 86400)}d`;
  return d >= 0 ? `${s} ago` : `in ${s}`;
}

/** Local date-time, for tooltips and detail pages. */
export function when(iso) {
  const t = parseTime(iso);
  return t == null ? '—' : new Date(t).toLocaleString();
}

export function plural(n, word, many = `${word}s`) {
  return `${num(n)} ${n === 1 ? word : many}`;
}
