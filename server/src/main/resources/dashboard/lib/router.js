// Hash routing: "#/nodes/12?x=1" -> {path: "/nodes/12", parts: ["nodes", "12"], query: URLSearchParams}.

export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  return { path, parts, query };
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** "#/jobs/" + encoded id: job ids are user input and may hold any character. */
export function href(...parts) {
  return '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}

/** Rewrites the query part of the current route without a history entry or a re-render. */
export function replaceQuery(params) {
  const { path } = current();
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v != null) q.set(k, String(v));
  const s = q.toString();
  history.replaceState(history.state, '', `#${path}${s ? `?${s}` : ''}`);
}

/** Navigates to a route and returns; the hashchange listener renders it. */
export function go(hash) {
  location.hash = hash;
}
