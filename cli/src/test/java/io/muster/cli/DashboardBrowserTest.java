package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.cli.browser.Chromium;
import io.muster.cli.browser.DevTools;
import io.muster.server.MusterServer;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import io.muster.types.config.WorkerConfig;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser (Debian's headless Chromium) against a real dev server with its embedded worker, as
 * `muster dev` runs them: each view is loaded and checked for what a person would see, a new job shows up on an open
 * page through the event stream, the stream client resumes, resyncs and gives up as it should (against scripted
 * answers), and the page falls back to polling when the stream is refused. Skipped where
 * Chromium is not installed (CI installs it and sets MUSTER_CHROMIUM_REQUIRED, so there it cannot be skipped).
 * With MUSTER_SCREENSHOTS=DIR it also leaves a PNG of each view there (docs/screenshots/ is made that way).
 */
@Tag("browser")
@Timeout(600)
class DashboardBrowserTest {
    private static final ObjectMapper M = new ObjectMapper();
    private static final String MARKER = "hello-from-the-dashboard-test";
    private static final int BUDGET_MS = 6000;

    @TempDir
    static Path dir;
    static MusterServer server;
    static WorkerDaemon worker;
    static HttpClient http;
    static String base;
    static Map<String, String> env;
    static String hostname;
    static long nodeId;

    @BeforeAll
    static void start() throws Exception {
        Chromium.assumeInstalled();
        int api = EndToEndTest.freePort();
        int grpc = EndToEndTest.freePort();
        server = new MusterServer(ServerConfig.dev(dir.resolve("server"), api, EndToEndTest.freePort(), grpc), MusterServer.Options.defaults()).start();
        server.ready().get(2, TimeUnit.MINUTES);
        // The embedded worker as DevCommand starts it: a single-use join token, then its own identity.
        String token = server.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "browser test worker").get(1, TimeUnit.MINUTES).token();
        worker = new WorkerDaemon(new WorkerConfig(dir.resolve("worker"), List.of(new HostPort("127.0.0.1", grpc)), token, null,
                dir.resolve("worker/identity"), Map.of()), WorkerOptions.defaults());
        worker.start();
        base = "http://127.0.0.1:" + api;
        env = Map.of("MUSTER_ADDR", base);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        await("the worker is ready", () -> get("/v1/nodes").path(0).path("state").asText().equals("ready"));
        JsonNode node = get("/v1/nodes").get(0);
        hostname = node.get("hostname").asText();
        nodeId = node.get("id").asLong();

        submit("web.yaml", """
                id: dash-web
                type: service
                groups:
                  - name: web
                    tasks:
                      - name: serve
                        driver: exec
                        command: sh
                        args: ["-c", "echo %s; while true; do sleep 5; done"]
                        resources: {cpu: 50, memory: 32}
                """.formatted(MARKER));
        submit("op.yaml", """
                id: dash-op
                type: operation
                target: {scope: all}
                steps:
                  - {backend: ping, action: echo, params: {message: "step one"}}
                  - {backend: sysinfo, action: uptime}
                """);
        await("dash-web runs", () -> get("/v1/jobs/dash-web").path("status").asText().equals("running"));
        await("dash-op completes", () -> get("/v1/jobs/dash-op").path("status").asText().equals("complete"));
        await("dash-web's output reaches the server", () -> {
            JsonNode logs = get("/v1/jobs/dash-web/logs");
            String b64 = logs.path("allocations").path(0).path("stdout").asText("");
            return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8).contains(MARKER);
        });
    }

    @AfterAll
    static void stop() {
        try {
            if (worker != null) worker.close();
        } finally {
            if (server != null) server.close();
        }
    }

    @Test
    void overviewShowsTheClusterTheCountsAndTheMetricsCharts() throws Exception {
        String html = render("#/", "Ready workers");
        String text = text(html);
        for (String s : List.of("Overview", "Cluster ID", "Leader server 1", "Metrics", "Heartbeats/s", "Raft apply lag", "Ready workers", "All nodes"))
            assertTrue(text.contains(s), "the overview lacks '" + s + "':\n" + text);
        // Three charts, each an inline SVG; the ready-workers one reads the one ready worker and has drawn a line
        // (two samples or more, 2 s apart, within the page's 6 s).
        for (String id : List.of("chart-heartbeats", "chart-apply-lag", "chart-ready"))
            assertTrue(Pattern.compile("id=\"" + id + "\"[^>]*>.*?<svg", Pattern.DOTALL).matcher(html).find(), id + " has no svg:\n" + html);
        Matcher ready = Pattern.compile("id=\"chart-ready\".*?chart-value num\">([^<]*)<.*?class=\"chart-line\" d=\"([^\"]*)\"", Pattern.DOTALL).matcher(html);
        assertTrue(ready.find(), "no ready-workers chart:\n" + html);
        assertEquals("1", ready.group(1), "one ready worker");
        assertTrue(ready.group(2).startsWith("M") && ready.group(2).contains("L"), "the chart drew no line: d=" + ready.group(2));
        assertTrue(html.contains("data-mode=\"stream\""), "the page is not live through the event stream:\n" + header(html));
    }

    @Test
    void nodesListsTheWorkerByHostname() throws Exception {
        String text = text(render("#/nodes", hostname));
        for (String s : List.of("All nodes", "1 nodes", hostname, "ready", "Drain", "Make ineligible"))
            assertTrue(text.contains(s), "the node list lacks '" + s + "':\n" + text);
    }

    @Test
    void nodePageShowsItsProfileLimitsAndAllocations() throws Exception {
        String text = text(render("#/nodes/" + nodeId, "dash-web"));
        for (String s : List.of("Node " + nodeId, hostname, "Profile", "Resource limits", "Live allocations", "Allocations", "dash-web", "running"))
            assertTrue(text.contains(s), "the node page lacks '" + s + "':\n" + text);
    }

    @Test
    void jobsListsBothJobsWithTheirStatus() throws Exception {
        String text = text(render("#/jobs", "dash-op"));
        for (String s : List.of("All jobs", "dash-web", "dash-op", "service", "operation", "running", "complete"))
            assertTrue(text.contains(s), "the job list lacks '" + s + "':\n" + text);
    }

    @Test
    void jobPageShowsStatusAllocationsTheirLastEventAndTheTaskLogs() throws Exception {
        String html = render("#/jobs/dash-web", MARKER);
        String text = text(html);
        for (String s : List.of("dash-web", "Service job", "Summary", "running", "Allocations", "started", "Allocation events", "Task logs", "Stop job"))
            assertTrue(text.contains(s), "the job page lacks '" + s + "':\n" + text);
        // The logs view: the task's own output, decoded, in the log pane.
        assertTrue(Pattern.compile("<pre class=\"log[^\"]*\"[^>]*>[^<]*" + MARKER).matcher(html).find(), "the task output is not in the log pane:\n" + text);
    }

    @Test
    void operationPageShowsTheStepByNodeMatrix() throws Exception {
        String html = render("#/jobs/dash-op", "sysinfo uptime");
        String text = text(html);
        for (String s : List.of("dash-op", "operation", "complete", "Results", "Step 0", "Step 1", "ping echo", "sysinfo uptime", "success"))
            assertTrue(text.contains(s), "the operation page lacks '" + s + "':\n" + text);
        assertTrue(Pattern.compile("<th[^>]*>.*?" + Pattern.quote(hostname) + ".*?</th>", Pattern.DOTALL).matcher(html).find(),
                "the matrix has no column for node " + hostname);
    }

    @Test
    void raftLogShowsTheCommandsThatMadeTheJobs() throws Exception {
        String text = text(render("#/raft", "register job dash-op"));
        for (String s : List.of("Raft log", "Commit index", "register job dash-web", "register job dash-op", "following the end of the log"))
            assertTrue(text.contains(s), "the Raft log lacks '" + s + "':\n" + text);
    }

    /** An open jobs page learns of a new job from the event stream: no reload, and well before its 60 s safety refresh. */
    @Test
    void aJobSubmittedAfterThePageLoadedAppearsWithoutAReload() throws Exception {
        try (DevTools page = Chromium.devTools()) {
            page.call("Page.enable", Map.of());
            page.navigate(base + "/ui/#/jobs");
            page.await("the job list, live", "document.querySelector('#refresh-toggle').dataset.mode + ' ' + document.querySelector('main').innerText",
                    v -> v.startsWith("stream ") && v.contains("dash-web"), Duration.ofSeconds(30));
            page.eval("window.__notReloaded = true");
            submit("live.yaml", batchJob("dash-live"));
            page.await("dash-live", "document.querySelector('main').innerText", v -> v.contains("dash-live"), Duration.ofSeconds(20));
            assertEquals("true", page.eval("String(window.__notReloaded === true)"), "the page reloaded");
            assertEquals("stream", page.eval("document.querySelector('#refresh-toggle').dataset.mode"));
            assertEquals("Live", page.eval("document.querySelector('#refresh-label').textContent"));
        }
    }

    /** A server without the stream (here: every /v1/events answered 404 by the browser itself) still gets a page that updates. */
    @Test
    void whenTheStreamIsRefusedThePagePollsAndSaysSo() throws Exception {
        try (DevTools page = Chromium.devTools()) {
            page.on("Fetch.requestPaused", p -> {
                try {
                    page.send("Fetch.fulfillRequest", Map.of("requestId", p.get("requestId").asText(), "responseCode", 404,
                            "responseHeaders", List.of(Map.of("name", "content-type", "value", "application/json")),
                            "body", Base64.getEncoder().encodeToString("{\"error\":\"no route\",\"code\":\"NOT_FOUND\"}".getBytes(StandardCharsets.UTF_8))));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            page.call("Fetch.enable", Map.of("patterns", List.of(Map.of("urlPattern", "*/v1/events*"))));
            page.navigate(base + "/ui/#/jobs");
            page.await("the polling state", "document.querySelector('#refresh-toggle').dataset.mode + ' ' + document.querySelector('#refresh-label').textContent",
                    v -> v.equals("polling Polling"), Duration.ofSeconds(30));
            String title = page.eval("document.querySelector('#refresh-toggle').title");
            assertTrue(title.contains("event stream is unavailable") && title.contains("polling every 3 s"), title);
            submit("poll.yaml", batchJob("dash-polled"));
            page.await("dash-polled", "document.querySelector('main').innerText", v -> v.contains("dash-polled"), Duration.ofSeconds(20));
        }
    }

    /**
     * lib/live.js in the browser against scripted stream answers: a fresh stream re-reads once, events ask for a
     * refresh, a reconnect resumes after the last index seen (a heartbeat's included), a gap re-reads everything,
     * lagged resumes at its index, and a 404 stops the retries (the page polls instead).
     */
    @Test
    void theStreamResumesFromTheLastIndexAndResyncsOnAGap() throws Exception {
        String script;
        try (var in = DashboardBrowserTest.class.getResourceAsStream("live-stream-script.js")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (DevTools page = Chromium.devTools()) {
            page.navigate(base + "/v1/health"); // same origin as the dashboard, without the app's own stream
            page.await("the page", "document.readyState", "complete"::equals, Duration.ofSeconds(30));
            JsonNode r = M.readTree(page.evalAwait(script));
            List<String> urls = M.convertValue(r.get("urls"), M.getTypeFactory().constructCollectionType(List.class, String.class));
            assertEquals(List.of("/v1/events?topic=Job%2CAllocation&job=x", "/v1/events?index=6&topic=Job%2CAllocation&job=x",
                    "/v1/events?index=12&topic=Job%2CAllocation&job=x"), urls);
            List<String> log = M.convertValue(r.get("log"), M.getTypeFactory().constructCollectionType(List.class, String.class));
            // The one event's refresh comes 250 ms after it (coalescing): when exactly, against the stream's end, is
            // up to the machine, so it is checked apart from the order of the rest.
            assertEquals(1, log.stream().filter("change"::equals).count(), log.toString());
            assertEquals(List.of("live", "resync", "down", "live", "resync", "down", "down:404"), log.stream().filter(x -> !x.equals("change")).toList());
        }
    }

    /** A PNG of each view; kept under MUSTER_SCREENSHOTS when set (how docs/screenshots/ is made). */
    @Test
    void everyViewRendersToAScreenshot() throws Exception {
        String keep = System.getenv("MUSTER_SCREENSHOTS");
        Path out = keep != null ? Files.createDirectories(Path.of(keep)) : Files.createDirectories(dir.resolve("shots"));
        record Shot(String name, String hash, int height) {}
        for (Shot s : List.of(new Shot("overview", "#/", 900), new Shot("nodes", "#/nodes", 500), new Shot("node", "#/nodes/" + nodeId, 900),
                new Shot("jobs", "#/jobs", 600), new Shot("job", "#/jobs/dash-web", 900), new Shot("logs", "#/jobs/dash-web", 1500),
                new Shot("operation", "#/jobs/dash-op", 600), new Shot("raft", "#/raft", 900))) {
            Path png = out.resolve(s.name() + ".png");
            Chromium.screenshot(base + "/ui/" + s.hash(), png, 1400, s.height(), BUDGET_MS);
            byte[] b = Files.readAllBytes(png);
            assertTrue(b.length > 10_000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', s.name() + ": not a PNG of a rendered page (" + b.length + " bytes)");
        }
    }

    // --- helpers

    /**
     * The page's DOM after its scripts ran. On a loaded machine the budget can end before the data arrived: then it is
     * rendered again, up to three times, until {@code expect} is in it; the callers' assertions say what is missing.
     */
    static String render(String hash, String expect) throws Exception {
        String html = "";
        for (int i = 0; i < 3 && !html.contains(expect); i++) html = Chromium.dumpDom(base + "/ui/" + hash, BUDGET_MS * (i + 1));
        return html;
    }

    /** The text a person reads: tags and scripts gone, entities decoded, whitespace collapsed. */
    static String text(String html) {
        String t = html.replaceAll("(?s)<(script|style)[^>]*>.*?</\\1>", " ").replaceAll("<[^>]+>", " ");
        t = t.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&");
        return t.replaceAll("\\s+", " ").strip();
    }

    static String header(String html) {
        int i = html.indexOf("<header");
        int j = html.indexOf("</header>");
        return i >= 0 && j > i ? html.substring(i, j) : html;
    }

    static String batchJob(String id) {
        return """
                id: %s
                type: batch
                groups:
                  - name: once
                    tasks:
                      - {name: say, driver: exec, command: "true", resources: {cpu: 20, memory: 16}}
                """.formatted(id);
    }

    static void submit(String file, String spec) throws Exception {
        Path f = dir.resolve(file);
        Files.writeString(f, spec);
        Run r = Run.muster(env, "job", "run", f.toString());
        assertEquals(0, r.code(), r::toString);
    }

    static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? M.readTree(r.body()) : M.missingNode();
    }

    static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (check.ok()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting until " + what);
    }

    interface Check {
        boolean ok() throws Exception;
    }
}
