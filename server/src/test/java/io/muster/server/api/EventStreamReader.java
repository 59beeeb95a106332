package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test client of {@code GET /v1/events}: lines parsed on a thread of their own, taken with a timeout. */
final class EventStreamReader implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNode END = JSON.createObjectNode().put("type", "end-of-stream");
    final int status;
    final String errorBody;
    private final InputStream in;
    private final LinkedBlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();

    EventStreamReader(HttpClient http, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) b.header("X-Muster-Token", token);
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        status = r.statusCode();
        in = r.body();
        if (status != 200) {
            errorBody = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return;
        }
        errorBody = null;
        Thread.ofVirtual().start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) if (!line.isBlank()) lines.add(JSON.readTree(line));
            } catch (Exception e) {
                // the stream broke off (server killed, or closed by the test)
            }
            lines.add(END);
        });
    }

    /** The next line, or null if none comes within {@code timeout}. */
    JsonNode next(Duration timeout) throws InterruptedException {
        return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (Exception e) {
            // already gone
        }
    }
}
