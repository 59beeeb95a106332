// Run in a page of the dashboard's origin by DashboardBrowserTest: drives lib/live.js against scripted /v1/events
// answers (window.fetch replaced for that path only) and reports what it asked for and what it told the page.
// Answers in order: events then the end of the stream; a gap and a lagged line; then 404 (no stream on this server).
(async () => {
  const { subscribe } = await import('/ui/lib/live.js');
  const lines = (...objs) => objs.map((o) => `${JSON.stringify(o)}\n`).join('');
  const scripted = [
    lines({ index: 5, topic: 'Job', type: 'JobRegistered', key: 'x', job_id: 'x' }, { type: 'heartbeat', index: 6 }),
    lines({ type: 'gap', index: 9, oldest_index: 10, requested_index: 6, reason: 'evicted' }, { type: 'lagged', index: 12, reason: 'slow' }),
  ];
  const urls = [];
  const log = [];
  const real = window.fetch;
  window.fetch = async (url, opts) => {
    if (!String(url).startsWith('/v1/events')) return real(url, opts);
    urls.push(String(url));
    const body = scripted.shift();
    if (body === undefined) return new Response('{"error":"no such route","code":"NOT_FOUND"}', { status: 404 });
    return new Response(new Blob([body]).stream(), { status: 200, headers: { 'content-type': 'application/x-ndjson' } });
  };
  try {
    await new Promise((resolve) => {
      const sub = subscribe({ topics: ['Job', 'Allocation'], job: 'x' }, {
        onChange: () => log.push('change'),
        onResync: () => log.push('resync'),
        onState: (state, err) => {
          log.push(err ? `${state}:${err.status}` : state);
          // After the refusal, wait past the longest retry delay that could follow: no further request may come.
          if (err && err.status === 404) setTimeout(() => { sub.close(); resolve(); }, 2500);
        },
      });
    });
  } finally {
    window.fetch = real;
  }
  return JSON.stringify({ urls, log });
})()
