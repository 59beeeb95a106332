// The event-stream subscription behind "Live": one GET /v1/events per mounted view, narrowed to the topics (and job or
// node) the view shows. Each event only says "something you show changed": the view re-reads its REST endpoints, so
// the page never has to rebuild objects from event payloads. The shell polls instead while the stream is down.
import { apiStream, ApiError } from './api.js';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
const COALESCE_MS = 250; // a placement burst (one event per allocation) becomes one refresh

/**
 * Opens the stream and keeps it open. `want`: {topics: [...], job?, node?, index?} (index: resume after it).
 * Hooks: onChange() after events (coalesced), onResync() when the page must re-read everything (stream (re)opened
 * with nothing to replay, or a gap), onState('live' | 'down', err?) when the stream comes up or goes away.
 * Returns {close(), index()}.
 */
export function subscribe(want, { onChange, onResync, onState }) {
  let index = want.index == null ? null : want.index; // the last index seen: a reconnect resumes after it
  let abort = null;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let retryTimer = 0;
  let changeTimer = 0;

  const changed = () => {
    if (!changeTimer) changeTimer = setTimeout(() => { changeTimer = 0; if (!closed) onChange(); }, COALESCE_MS);
  };

  function url() {
    const q = new URLSearchParams();
    if (index != null) q.set('index', String(index));
    q.set('topic', want.topics.join(','));
    if (want.job) q.set('job', want.job);
    if (want.node) q.set('node', String(want.node));
    return `/v1/events?${q}`;
  }

  function line(e) {
    if (e.type === 'gap') {
      // The server no longer holds the events after our index: whatever we show may be stale. Re-read it all.
      index = e.index;
      onResync();
      return;
    }
    if (e.type === 'lagged') {
      index = e.index; // the server ends the stream after this line; the reconnect resumes here
      return;
    }
    if (typeof e.index === 'number') index = e.index;
    if (e.type !== 'heartbeat') changed();
  }

  async function connect() {
    if (closed) return;
    abort = new AbortController();
    const resumed = index != null;
    let opened = false;
    try {
      await apiStream(url(), line, abort.signal, () => {
        opened = true;
        retryMs = RETRY_MIN_MS;
        onState('live');
        // A fresh stream starts "now": re-read once so nothing between the last read and now is missed. A resumed
        // stream replays what happened meanwhile (or says gap), so it needs no extra read.
        if (!resumed) onResync();
      });
      if (closed) return;
      onState('down', null); // the server ended the stream (lagged, restart): resume at once
    } catch (err) {
      if (closed || (abort && abort.signal.aborted)) return;
      onState('down', err);
      // No such route (an older server) or no permission for it: polling is all this page can do.
      if (err instanceof ApiError && [400, 401, 403, 404, 405].includes(err.status)) return;
      if (opened) retryMs = RETRY_MIN_MS;
    }
    retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(changeTimer);
      if (abort) abort.abort();
    },
    index: () => index,
  };
}
