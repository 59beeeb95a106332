package io.muster.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;

/**
 * A canned Muster API on 127.0.0.1: each "METHOD /path" answers its queued replies in order (the last one
 * repeats), and every request is recorded for assertions.
 */
final class FakeApi implements AutoCloseable {
    record Request(String method, String path, String rawPath, String query, Map<String, List<String>> headers, String body) {
        String header(String name) {
            for (var e : headers.entrySet()) if (e.getKey().equalsIgnoreCase(name)) return e.getValue().getFirst();
            return null;
        }
    }

    record Reply(int status, String body, Map<String, String> headers) {}

    private final HttpServer server;
    private final boolean tls;
    private final Map<String, Deque<Reply>> routes = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    private FakeApi(HttpServer server, boolean tls) {
        this.server = server;
        this.tls = tls;
        server.createContext("/", this::handle);
        server.start();
    }

    static FakeApi http() throws IOException {
        return new FakeApi(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), false);
    }

    static FakeApi https(SSLContext ctx) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx));
        return new FakeApi(s, true);
    }

    String url() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    FakeApi on(String method, String path, int status, String body) {
        return on(method, path, new Reply(status, body, Map.of()));
    }

    FakeApi ok(String method, String path, String body) {
        return on(method, path, 200, body);
    }

    FakeApi on(String method, String path, Reply reply) {
        routes.computeIfAbsent(method + " " + path, k -> new ArrayDeque<>()).add(reply);
        return this;
    }

    Request only() {
        if (requests.size() != 1) throw new AssertionError("expected one request, got " + requests);
        return requests.getFirst();
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(),
                Map.copyOf(ex.getRequestHeaders()), body));
        Deque<Reply> q = routes.get(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
        Reply r;
        if (q == null) r = new Reply(404, "{\"error\":\"no such endpoint\",\"code\":\"NOT_FOUND\"}", Map.of());
        else synchronized (q) {
            r = q.size() > 1 ? q.poll() : q.peek();
        }
        byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
        r.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        if (!r.body().isEmpty()) ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(r.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
