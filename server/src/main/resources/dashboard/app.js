// The dashboard shell: routing, the refresh loop (paused while the tab is hidden), the event stream that drives it,
// error banners, the ACL token prompt and the header status.
//
// A view returns {refresh, interval, live?: {topics, job?, node?, every?, min?}}. With `live`, the page subscribes to
// the event stream (lib/live.js) and refreshes when an event for it arrives, at most once per `live.min` ms (default
// 1 s: a busy cluster must not turn a big list into a refresh loop), plus every `live.every` ms for what no event
// reports (heartbeat ages, Raft contact times); while the stream is down it polls every `interval` ms instead.
import { api, setTokenPrompt, setToken, token, onTokenChange, describe } from './lib/api.js';
import { subscribe } from './lib/live.js';
import { fill } from './lib/dom.js';
import { errorBanner } from './lib/ui.js';
import * as router from './lib/router.js';
import { overviewView } from './views/overview.js';
import { nodesView } from './views/nodes.js';
import { nodeView } from './views/node.js';
import { jobsView } from './views/jobs.js';
import { jobView } from './views/job.js';
import { raftView } from './views/raft.js';
import { notFoundView } from './views/notfound.js';

const ROUTES = [
  { nav: 'overview', match: (p) => p.length === 0, view: overviewView },
  { nav: 'nodes', match: (p) => p[0] === 'nodes' && p.length === 1, view: nodesView },
  { nav: 'nodes', match: (p) => p[0] === 'nodes' && p.length === 2, view: nodeView },
  { nav: 'jobs', match: (p) => p[0] === 'jobs' && p.length === 1, view: jobsView },
  { nav: 'jobs', match: (p) => p[0] === 'jobs' && p.length === 2, view: jobView },
  { nav: 'raft', match: (p) => p[0] === 'raft' && p.length === 1, view: raftView },
];

const main = document.getElementById('main');
const banners = document.getElementById('banners');
const liveBtn = document.getElementById('refresh-toggle');
const liveLabel = document.getElementById('refresh-label');
const serverInfo = document.getElementById('server-info');
const forgetBtn = document.getElementById('token-forget');

let active = null; // the mounted view: {refresh, interval, live?, unmount?}
let stream = null; // the mounted view's event subscription
let streamUp = false;
let streamError = null;
let lastIndex = null; // where a re-opened stream (resume, tab shown again) goes on from
let lastTick = 0; // when the last refresh started
let soonTimer = 0; // an event-driven refresh held back by live.min
let generation = 0; // bumps on every navigation, so late answers for an old view are dropped
let paused = false;
let timer = 0;
let inflight = null;
let queued = false;
let lastOk = 0;
let lastHealth = 0;
let bannerKey = '';
let hasErrors = false;

/** What views get: their root element, the route, and hooks back into the shell. */
function context(route, gen) {
  return {
    root: main,
    parts: route.parts,
    query: route.query,
    alive: () => gen === generation,
    setTitle: (t) => { if (gen === generation) document.title = `${t} · Muster`; },
    setErrors: (list) => { if (gen === generation) showErrors(list); },
    refreshNow: () => tick(),
    paused: () => paused || document.hidden,
  };
}

function mount() {
  generation++;
  clearTimeout(timer);
  clearTimeout(soonTimer);
  soonTimer = 0;
  closeStream();
  lastIndex = null;
  if (active && active.unmount) active.unmount();
  const route = router.current();
  const match = ROUTES.find((r) => r.match(route.parts));
  document.querySelectorAll('[data-nav]').forEach((a) => {
    if (match && a.dataset.nav === match.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  showErrors([]);
  main.replaceChildren();
  active = (match ? match.view : notFoundView)(context(route, generation));
  // Move focus to the new page's heading so keyboard and screen-reader users land on it.
  const title = main.querySelector('[data-page-title]');
  if (title && document.activeElement !== document.body) title.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  lastOk = 0;
  tick();
  openStream();
}

/** Subscribes the active view to its topics; events (and resyncs after a gap) refresh it. */
function openStream() {
  closeStream();
  const view = active;
  if (!view || !view.live || paused || document.hidden) return;
  const gen = generation;
  stream = subscribe({ ...view.live, index: lastIndex }, {
    onChange: () => { if (gen === generation) soon(view.live.min || 1000); },
    onResync: () => { if (gen === generation) tick(); },
    onState: (state, err) => {
      if (gen !== generation) return;
      const wasUp = streamUp;
      streamUp = state === 'live';
      streamError = err || null;
      // Going down: fall back to polling now rather than after the slow live interval.
      if (wasUp && !streamUp && !inflight) {
        clearTimeout(timer);
        timer = setTimeout(tick, view.interval || 2000);
      }
      setLive();
    },
  });
}

/** A refresh for an event: now, or once `min` ms have passed since the last one started. */
function soon(min) {
  const wait = lastTick + min - Date.now();
  if (wait <= 0) tick();
  else if (!soonTimer) soonTimer = setTimeout(() => { soonTimer = 0; tick(); }, wait);
}

function closeStream() {
  if (stream) {
    lastIndex = stream.index();
    stream.close();
  }
  stream = null;
  streamUp = false;
}

/** Runs the active view's refresh; one at a time, then schedules the next unless paused or hidden. */
async function tick() {
  if (inflight) {
    queued = true;
    return inflight;
  }
  clearTimeout(timer);
  const view = active;
  const gen = generation;
  if (!view) return;
  lastTick = Date.now();
  setLive('loading');
  inflight = (async () => {
    try {
      await view.refresh();
      if (gen === generation && !hasErrors) lastOk = Date.now();
    } catch (e) {
      if (gen === generation) showErrors([{ what: 'refresh this page', err: e }]);
    }
  })();
  await inflight;
  inflight = null;
  if (Date.now() - lastHealth > 10000) health();
  if (queued) {
    queued = false;
    return tick();
  }
  if (gen !== generation) return;
  setLive();
  const every = view.live && streamUp ? view.live.every : view.interval;
  if (!paused && !document.hidden && every) timer = setTimeout(tick, every);
}

function setLive(state) {
  const s = state || (paused ? 'paused' : hasErrors ? 'error' : 'live');
  liveBtn.dataset.state = s;
  liveBtn.setAttribute('aria-pressed', String(!paused));
  // "Live" means the event stream is up; "Polling" that the page re-reads on a timer because it is not.
  const polling = !paused && active && active.live && !streamUp;
  liveBtn.dataset.mode = polling ? 'polling' : streamUp ? 'stream' : 'timer';
  liveLabel.textContent = paused ? 'Paused' : s === 'error' ? 'Retrying' : polling ? 'Polling' : 'Live';
  const how = streamUp ? 'updates arrive through the event stream'
    : polling ? `the event stream is unavailable${streamError ? ` (${describe(streamError)})` : ''}; polling every ${(active.interval || 2000) / 1000} s` : '';
  liveBtn.title = `${paused ? 'Resume' : 'Pause'} auto-refresh${how ? `: ${how}` : ''}${lastOk ? ` (last updated ${new Date(lastOk).toLocaleTimeString()})` : ''}`;
}

/** Error banners for the current view; re-rendered only when their text changes, so alerts are not repeated. */
function showErrors(list) {
  hasErrors = list.length > 0;
  const key = list.map((x) => `${x.what}|${x.err && x.err.message}`).join('\n');
  if (key === bannerKey) return;
  bannerKey = key;
  const staleNote = lastOk ? `Showing data last updated at ${new Date(lastOk).toLocaleTimeString()}; retrying automatically.` : null;
  fill(banners, list.map((x) => errorBanner(x.what, x.err, { onToken: askAndRetry, stale: staleNote })));
}

async function askAndRetry() {
  const t = await promptToken('Enter a management token to continue.');
  if (t) {
    setToken(t);
    bannerKey = null; // re-render banners on the next refresh
    tick();
  }
}

/** "server 1 · leader" in the header, from the unauthenticated health endpoint. */
async function health() {
  lastHealth = Date.now();
  try {
    const hl = await api('/v1/health');
    fill(serverInfo, `server ${hl.server_id} · ${hl.role}`);
  } catch {
    fill(serverInfo, 'server unreachable');
  }
}

/** The token dialog; resolves to the entered token, or null when cancelled. */
function promptToken(reason) {
  const dlg = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  fill(document.getElementById('token-reason'), reason || 'This cluster has ACLs enabled.');
  input.value = '';
  return new Promise((resolve) => {
    dlg.returnValue = '';
    dlg.addEventListener('close', () => {
      const v = dlg.returnValue === 'ok' ? input.value.trim() : '';
      input.value = '';
      resolve(v || null);
    }, { once: true });
    dlg.showModal();
    input.focus();
  });
}

document.getElementById('token-cancel').addEventListener('click', () => document.getElementById('token-dialog').close('cancel'));
setTokenPrompt(promptToken);
onTokenChange((has) => { forgetBtn.hidden = !has; });
forgetBtn.hidden = !token();
forgetBtn.addEventListener('click', () => {
  setToken('');
  tick();
});
// A new token may open what the old one could not (the stream needs job:read): subscribe again with it.
onTokenChange(() => { if (active && active.live) openStream(); });

liveBtn.addEventListener('click', () => {
  paused = !paused;
  setLive();
  if (!paused) {
    tick();
    openStream();
  } else {
    clearTimeout(timer);
    closeStream();
  }
});

document.addEventListener('visibilitychange', () => {
  // A hidden tab holds no stream open; shown again, it resumes from the last index it saw.
  if (document.hidden) {
    clearTimeout(timer);
    closeStream();
  } else if (!paused) {
    tick();
    openStream();
  }
});

// The skip link targets <main> without touching the route hash.
document.querySelector('[data-skip]').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', mount);
mount();
