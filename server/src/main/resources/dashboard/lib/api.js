// The REST client: JSON in and out, uniform errors, and the ACL token (session storage only, sent as a header).

const TOKEN_KEY = 'muster.acl-token';
const TIMEOUT_MS = 15000;

/** An API failure with the HTTP status (0 when no answer came), the API's stable code and a readable message. */
export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.request = extra.request || '';
    this.link = extra.link || null; // {href, text}: where the operator can go instead
  }
}

let promptForToken = async () => null;
let pendingPrompt = null;
let declined = false; // the operator cancelled the prompt: stop asking on every refresh
const tokenListeners = new Set();

/** The app installs the dialog that asks for a token; it resolves to the token or null when cancelled. */
export function setTokenPrompt(fn) {
  promptForToken = fn;
}

export function onTokenChange(fn) {
  tokenListeners.add(fn);
}

export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(value) {
  if (value) declined = false;
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lives only as long as this call chain */
  }
  tokenListeners.forEach((fn) => fn(!!value));
}

/**
 * One prompt at a time, however many requests were refused together. Once the operator cancels, refreshes stop
 * asking; the error banner's "Enter token" button asks again.
 */
function askToken(reason) {
  if (declined) return Promise.resolve(null);
  if (!pendingPrompt) {
    pendingPrompt = promptForToken(reason).then((t) => {
      if (!t) declined = true;
      return t;
    }).finally(() => (pendingPrompt = null));
  }
  return pendingPrompt;
}

async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers['X-Muster-Token'] = t;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'same-origin',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

async function decode(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: text.slice(0, 200) };
  }
}

/**
 * Calls the API and returns the parsed JSON body. A 401/403 asks for a management token once and retries;
 * a request that never got an answer is diagnosed (server down, or a follower whose leader the page cannot reach).
 */
export async function api(path, { method = 'GET', body } = {}) {
  const request = `${method} ${path.split('?')[0]}`;
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await send(method, path, body);
    } catch (e) {
      throw await diagnose(e, request);
    }
    if (res.ok) return decode(res);
    const err = (await decode(res)) || {};
    const message = err.error || `HTTP ${res.status} ${res.statusText}`.trim();
    if ((res.status === 401 || res.status === 403) && attempt < 3) {
      if (res.status === 403) setToken('');
      const given = await askToken(tokenReason(res.status, message));
      if (given) {
        setToken(given);
        continue;
      }
      throw new ApiError(res.status, err.code || `HTTP_${res.status}`, /bootstrap/i.test(message) ? message
        : res.status === 401 ? 'this cluster has ACLs enabled and no token was given' : 'the ACL token was not accepted', { request });
    }
    throw new ApiError(res.status, err.code || `HTTP_${res.status}`, message, { request });
  }
}

/** The token dialog's explanation; the API's own words are written for the CLI. */
function tokenReason(status, message) {
  if (/bootstrap/i.test(message)) return message;
  return status === 403
    ? 'That token was not accepted: it is not a valid ACL token for this cluster. Enter another management token.'
    : 'This cluster has ACLs enabled. Enter a management token to use the dashboard.';
}

/** Turns "fetch failed" into the reason an operator can act on. */
async function diagnose(cause, request) {
  if (cause && cause.name === 'TimeoutError') {
    return new ApiError(0, 'TIMEOUT', `the server did not answer within ${TIMEOUT_MS / 1000} seconds`, { request });
  }
  let health;
  try {
    const res = await fetch('/v1/health', { cache: 'no-store', signal: AbortSignal.timeout(5000) });
    health = await res.json();
  } catch {
    return new ApiError(0, 'UNREACHABLE', `cannot reach the Muster server at ${location.host}: is it running?`, { request });
  }
  if (health.role !== 'leader') {
    if (!health.leader_id) {
      return new ApiError(503, 'NO_LEADER', 'the cluster has no leader right now (an election is running or a quorum of servers is unreachable)', { request });
    }
    let addr = '';
    try {
      const st = await (await send('GET', '/v1/cluster/status?stale=true')).json();
      const m = (st.members || []).find((x) => String(x.id) === String(health.leader_id));
      addr = (m && m.api_addr) || '';
    } catch {
      /* fall through without the address */
    }
    const where = addr ? ` at ${addr}` : '';
    const link = addr ? { href: `${location.protocol}//${addr}/ui/${location.hash}`, text: `Open the leader's dashboard (${addr})` } : null;
    return new ApiError(0, 'FOLLOWER', `server ${health.server_id} is a follower: this request is answered by the leader, server ${health.leader_id}${where}, which the browser could not reach from this page`, { request, link });
  }
  return new ApiError(0, 'NETWORK', 'the connection failed before an answer arrived', { request });
}

/** A short, human description of any error thrown by api() or by view code. */
export function describe(err) {
  if (err instanceof ApiError) return err.message;
  return (err && err.message) || String(err);
}

/**
 * Reads an NDJSON stream (a log follow, the event stream): calls onEvent with each parsed line as it arrives, until
 * the server ends the answer or `signal` aborts it (which closes the connection, and with it the follow on the servers
 * and the worker). `onOpen` runs once the server accepted the stream, before any line.
 */
export async function apiStream(path, onEvent, signal, onOpen) {
  const headers = { Accept: 'application/x-ndjson' };
  const t = token();
  if (t) headers['X-Muster-Token'] = t;
  const res = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin', signal });
  if (!res.ok) {
    const err = (await decode(res)) || {};
    throw new ApiError(res.status, err.code || `HTTP_${res.status}`, err.error || `HTTP ${res.status}`, { request: `GET ${path.split('?')[0]}` });
  }
  if (onOpen) onOpen();
  const reader = res.body.getReader();
  const text = new TextDecoder('utf-8');
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += text.decode(value, { stream: true });
    let nl;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line.trim()) onEvent(JSON.parse(line));
    }
  }
}

/**
 * GET returning the body as text, without the token prompt: for /v1/metrics, which a page may lack the permission
 * for (metrics:read) without that being worth a dialog.
 */
export async function apiText(path) {
  const headers = { Accept: 'text/plain' };
  const t = token();
  if (t) headers['X-Muster-Token'] = t;
  let res;
  try {
    res = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `the server did not answer (${(e && e.message) || e})`, { request: `GET ${path}` });
  }
  if (!res.ok) {
    const err = (await decode(res)) || {};
    throw new ApiError(res.status, err.code || `HTTP_${res.status}`, err.error || `HTTP ${res.status}`, { request: `GET ${path}` });
  }
  return res.text();
}
