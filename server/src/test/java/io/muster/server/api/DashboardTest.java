package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.client.ClusterStatus;
import io.muster.client.JobList;
import io.muster.client.RaftLog;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.Ports;
import io.muster.types.config.ServerConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The web dashboard as a browser gets it from a real dev-mode server: pages, modules, and the API fields it reads. */
@Timeout(180)
class DashboardTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s[^'\"]*['\"]([^'\"]+)['\"]");

    @TempDir
    static Path dataDir;
    static MusterServer server;
    static HttpClient http;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        int api = Ports.free();
        server = new MusterServer(ServerConfig.dev(dataDir, api, Ports.free(), Ports.free()), MusterServer.Options.defaults()).start();
        server.ready().get(60, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + api;
        http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
        Await.until("the dev server leads", T, () -> get("/v1/health").body().contains("\"role\":\"leader\""));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + ": " + e, e);
        }
    }

    static String type(HttpResponse<?> r) {
        return r.headers().firstValue("content-type").orElse("");
    }

    /** Every file under the classpath directory dashboard/, as paths relative to it. */
    static List<String> dashboardFiles() throws Exception {
        Path root = Path.of(DashboardTest.class.getClassLoader().getResource("dashboard").toURI());
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    @Test
    void rootRedirectsToTheDashboard() {
        HttpResponse<String> r = get("/");
        assertTrue(r.statusCode() >= 300 && r.statusCode() < 400, "status " + r.statusCode());
        assertTrue(r.headers().firstValue("location").orElse("").endsWith("/ui/"), r.headers().toString());
    }

    @Test
    void indexPageIsHtmlWithTheShell() {
        HttpResponse<String> r = get("/ui/");
        assertEquals(200, r.statusCode());
        assertTrue(type(r).startsWith("text/html"), type(r));
        String html = r.body();
        for (String s : List.of("<html lang=\"en\">", "<base href=\"/ui/\">", "<script type=\"module\" src=\"app.js\">", "style.css",
                "href=\"#/nodes\"", "href=\"#/jobs\"", "href=\"#/raft\"", "<main id=\"main\"", "id=\"token-dialog\"", "id=\"confirm-dialog\"",
                "name=\"viewport\"")) {
            assertTrue(html.contains(s), "index.html lacks " + s);
        }
    }

    @Test
    void everyFileIsServedWithItsContentType() throws Exception {
        List<String> files = dashboardFiles();
        assertTrue(files.containsAll(List.of("index.html", "app.js", "style.css", "favicon.svg")), files.toString());
        for (String f : files) {
            HttpResponse<String> r = get("/ui/" + f);
            assertEquals(200, r.statusCode(), f);
            String want = f.endsWith(".js") ? "javascript" : f.endsWith(".css") ? "text/css" : f.endsWith(".svg") ? "image/svg+xml" : "text/html";
            assertTrue(type(r).contains(want), f + " served as " + type(r));
            assertFalse(r.body().isBlank(), f + " is empty");
        }
    }

    @Test
    void theModuleGraphResolvesOverHttp() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String f : dashboardFiles()) {
            if (!f.endsWith(".js")) continue;
            Matcher m = IMPORT.matcher(get("/ui/" + f).body());
            while (m.find()) {
                String target = resolve(f, m.group(1));
                if (get("/ui/" + target).statusCode() != 200) missing.add(f + " -> " + m.group(1));
            }
        }
        assertTrue(missing.isEmpty(), "unresolved imports: " + missing);
    }

    private static String resolve(String from, String spec) throws URISyntaxException {
        assertTrue(spec.startsWith("./") || spec.startsWith("../"), "bare or absolute import " + spec + " in " + from);
        return new URI("x:/" + from).resolve(spec).getPath().substring(1);
    }

    @Test
    void everyViewIsRoutedAndImplemented() {
        String app = get("/ui/app.js").body();
        for (String v : List.of("overview", "nodes", "node", "jobs", "job", "raft")) {
            assertTrue(app.contains("from './views/" + v + ".js'"), "app.js does not import views/" + v + ".js");
            String src = get("/ui/views/" + v + ".js").body();
            assertTrue(src.contains("export function " + v + "View(ctx)"), v + " view has no entry point");
            assertTrue(src.contains("async function refresh()"), v + " view never loads data");
            assertFalse(src.toLowerCase().contains("coming soon"), v + " view is a placeholder");
        }
        assertTrue(app.contains("visibilitychange") && app.contains("document.hidden"), "auto-refresh must pause in hidden tabs");
        assertTrue(get("/ui/views/overview.js").body().contains("interval: 2000"), "overview polls every 2 s while the event stream is down");
        for (String v : List.of("overview", "nodes", "node", "jobs", "job", "raft"))
            assertTrue(get("/ui/views/" + v + ".js").body().contains("live: { topics: ["), v + " view is not live through the event stream");
        String live = get("/ui/lib/live.js").body();
        for (String s : List.of("/v1/events?", "q.set('index'", "'gap'", "'lagged'", "onResync()"))
            assertTrue(live.contains(s), "lib/live.js lacks " + s);
        assertTrue(app.contains("subscribe(") && app.contains("'Polling'"), "the shell subscribes and says when it polls instead");
    }

    @Test
    void theViewsReadTheirEndpoints() {
        record Uses(String file, String... needles) {}
        for (Uses u : List.of(
                new Uses("views/overview.js", "/v1/cluster/status", "?stale=true", "/v1/nodes", "/v1/jobs?offset="),
                new Uses("views/nodes.js", "/v1/nodes"),
                new Uses("views/node.js", "/v1/nodes/"),
                new Uses("views/jobs.js", "/v1/jobs?offset="),
                new Uses("views/job.js", "/v1/jobs/", "operationPanel", "cancelOperation", "eventsPanel", "onEvents"),
                new Uses("lib/events.js", "/v1/allocations/", "events_total", "not kept"),
                new Uses("lib/allocs.js", "lastEventCell"),
                new Uses("lib/operation.js", "job.results", "op.excluded", "cellTitle(", "title:", "r.attempts"),
                new Uses("views/logs.js", "/logs?alloc=", "atob", "TextDecoder"),
                new Uses("views/raft.js", "/v1/raft/log?start_index="),
                new Uses("lib/metricscard.js", "/v1/metrics", "apiText("),
                new Uses("lib/metrics.js", "muster_worker_heartbeats_total", "muster_raft_apply_lag", "'muster_nodes', { state: 'ready' }"),
                new Uses("lib/actions.js", "/drain", "/eligibility", "method: 'DELETE'", "confirm(", "/cancel`, { method: 'POST' }"))) {
            String src = get("/ui/" + u.file()).body();
            for (String n : u.needles()) assertTrue(src.contains(n), u.file() + " lacks " + n);
        }
    }

    @Test
    void dataNeverBecomesMarkupAndNothingLoadsFromElsewhere() throws Exception {
        List<String> sinks = List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "localStorage");
        for (String f : dashboardFiles()) {
            String src = get("/ui/" + f).body();
            if (f.endsWith(".js")) for (String s : sinks) assertFalse(src.contains(s), f + " uses " + s);
            String external = src.replace("http://www.w3.org/2000/svg", "");
            assertFalse(Pattern.compile("(?i)(src|href)\\s*=\\s*[\"']?(https?:)?//").matcher(external).find(), f + " loads from another origin");
            assertFalse(Pattern.compile("(?i)@import|url\\(\\s*['\"]?https?:").matcher(external).find(), f + " imports remote CSS");
        }
        String api = get("/ui/lib/api.js").body();
        assertTrue(api.contains("sessionStorage") && api.contains("'X-Muster-Token'"), "the ACL token lives in sessionStorage and travels as a header");
    }

    @Test
    void stylesSupportDarkModeAndReducedMotion() {
        HttpResponse<String> r = get("/ui/style.css");
        assertTrue(type(r).startsWith("text/css"), type(r));
        assertTrue(r.body().contains("@media (prefers-color-scheme: dark)"));
        assertTrue(r.body().contains("prefers-reduced-motion"));
        assertTrue(r.body().contains(":focus-visible"));
    }

    /** The fields the dashboard renders, read from the real API, so a rename on either side fails here. */
    @Test
    void theApiAnswersWithTheFieldsTheDashboardReads() throws Exception {
        JsonNode st = json("/v1/cluster/status");
        for (String f : List.of("cluster_id", "leader_id", "term", "commit_index", "applied_index", "last_index", "server_id", "members", "alarms"))
            assertTrue(st.has(f), "cluster status lacks " + f);
        // Read through the API client's records, the one model of these answers (the CLI and the load test read them too).
        ClusterStatus status = ClusterStatus.from(st);
        assertEquals(List.of(), status.alarms(), "a healthy cluster has no alarms: " + st.get("alarms"));
        assertEquals(status.serverId(), status.leaderId(), "the dev server leads");
        assertTrue(get("/ui/views/overview.js").body().contains("state_divergence"), "the overview shows divergence alarms");
        JsonNode m = st.get("members").get(0);
        for (String f : List.of("id", "role", "healthy", "raft_addr", "api_addr")) assertTrue(m.has(f), "member lacks " + f);
        assertTrue(status.members().getFirst().healthy() && status.members().getFirst().apiAddr() != null, status.members().toString());
        assertTrue(json("/v1/cluster/status?stale=true").has("members"));
        assertTrue(json("/v1/nodes").isArray());
        JsonNode jobs = json("/v1/jobs?offset=0&limit=1");
        assertTrue(jobs.has("jobs") && jobs.has("total") && jobs.has("next_offset"), jobs.toString());
        assertEquals(0, JobList.from(jobs).total());
        JsonNode log = json("/v1/raft/log?start_index=0&limit=5");
        for (String f : List.of("commit_index", "last_index", "start_index", "entries")) assertTrue(log.has(f), "raft log lacks " + f);
        JsonNode e = log.get("entries").get(0);
        for (String f : List.of("index", "term", "type", "summary")) assertTrue(e.has(f), "log entry lacks " + f);
        RaftLog.Entry first = RaftLog.from(log).entries().getFirst();
        assertTrue(first.index() >= 0 && first.term() > 0 && first.type() != null && first.summary() != null, first.toString());
        // The metrics the overview charts, by the names lib/metrics.js parses.
        String metrics = get("/v1/metrics").body();
        for (String n : List.of("muster_worker_heartbeats_total ", "muster_raft_apply_lag ", "muster_nodes{state=\"ready\""))
            assertTrue(metrics.contains(n), "/v1/metrics lacks " + n);
        JsonNode health = json("/v1/health");
        assertTrue(health.has("server_id") && health.has("role") && health.has("leader_id"));

        HttpResponse<String> missing = get("/v1/jobs/" + java.net.URLEncoder.encode("no such <job>", java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
        assertEquals(404, missing.statusCode());
        assertEquals("JOB_NOT_FOUND", Http.JSON.readTree(missing.body()).get("code").asText());
    }

    private static JsonNode json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        assertTrue(type(r).startsWith("application/json"), path + " served as " + type(r));
        return Http.JSON.readTree(r.body());
    }
}
