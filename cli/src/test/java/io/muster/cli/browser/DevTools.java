package io.muster.cli.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The few Chrome DevTools protocol calls a live-page test needs, over java.net.http's WebSocket (no browser-driver
 * dependency): navigate, evaluate an expression, and answer the page's requests (Fetch domain) to break the stream.
 */
public final class DevTools implements AutoCloseable {
    private static final ObjectMapper M = new ObjectMapper();
    private final Process process;
    private final Path profile;
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final Map<String, Consumer<JsonNode>> events = new ConcurrentHashMap<>();

    private DevTools(Process process, Path profile, WebSocket ws) {
        this.process = process;
        this.profile = profile;
        this.ws = ws;
    }

    static DevTools attach(int port, Process process, Path profile) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        JsonNode targets = M.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        String url = null;
        for (JsonNode t : targets) if ("page".equals(t.path("type").asText())) url = t.path("webSocketDebuggerUrl").asText();
        if (url == null) throw new IOException("Chromium shows no page: " + targets);
        DevTools[] self = new DevTools[1];
        WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(URI.create(url), new WebSocket.Listener() {
            private final StringBuilder buf = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                buf.append(data);
                if (last) {
                    String msg = buf.toString();
                    buf.setLength(0);
                    self[0].dispatch(msg);
                }
                w.request(1);
                return null;
            }
        }).join();
        self[0] = new DevTools(process, profile, ws);
        return self[0];
    }

    private void dispatch(String msg) {
        try {
            JsonNode n = M.readTree(msg);
            if (n.has("id")) {
                CompletableFuture<JsonNode> f = calls.remove(n.get("id").asInt());
                if (f == null) return;
                if (n.has("error")) f.completeExceptionally(new IOException("DevTools: " + n.get("error")));
                else f.complete(n.get("result"));
            } else {
                Consumer<JsonNode> h = events.get(n.path("method").asText());
                if (h != null) h.accept(n.get("params"));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends one command and waits for its result. */
    public JsonNode call(String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        calls.put(id, f);
        ObjectNode msg = M.createObjectNode().put("id", id).put("method", method);
        msg.set("params", M.valueToTree(params));
        write(M.writeValueAsString(msg));
        return f.get(30, TimeUnit.SECONDS);
    }

    /** Sends one command without waiting for its result: for event handlers, which run on the thread results arrive on. */
    public void send(String method, Map<String, ?> params) throws IOException {
        ObjectNode msg = M.createObjectNode().put("id", ids.incrementAndGet()).put("method", method);
        msg.set("params", M.valueToTree(params));
        write(M.writeValueAsString(msg));
    }

    /** One message at a time: java.net.http's WebSocket refuses a send while another is pending. */
    private synchronized void write(String text) {
        ws.sendText(text, true).join();
    }

    /** Runs {@code handler} on each protocol event named {@code method} (on the WebSocket's thread: keep it short). */
    public void on(String method, Consumer<JsonNode> handler) {
        events.put(method, handler);
    }

    public void navigate(String url) throws Exception {
        call("Page.navigate", Map.of("url", url));
    }

    /** The value of a JavaScript expression in the page, as a string ("" for undefined or null). */
    public String eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        JsonNode v = r.path("result").path("value");
        return v.isMissingNode() || v.isNull() ? "" : v.asText();
    }

    /** The value of an expression that yields a promise (an async function's call), once it settles. */
    public String evalAwait(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (r.has("exceptionDetails")) throw new AssertionError("the page threw: " + r.get("exceptionDetails"));
        JsonNode v = r.path("result").path("value");
        return v.isMissingNode() || v.isNull() ? "" : v.asText();
    }

    /** Polls the expression every 100 ms until its value passes, returning it; fails with the last value otherwise. */
    public String await(String what, String expression, Predicate<String> ok, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String v = "";
        while (System.nanoTime() < deadline) {
            v = eval(expression);
            if (ok.test(v)) return v;
            Thread.sleep(100);
        }
        throw new AssertionError("the page did not show " + what + " within " + within.toSeconds() + " s; last value: "
                + (v.length() > 2000 ? v.substring(0, 2000) + "..." : v));
    }

    @Override
    public void close() {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the browser is ended below either way
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(profile);
    }

    /** Deletes a profile; twice, because Chromium's helper processes may still write to it for a moment after it exits. */
    static void deleteTree(Path dir) {
        for (int i = 0; i < 2 && Files.exists(dir); i++) {
            if (i > 0) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp profile left behind is harmless
            }
        }
    }
}
