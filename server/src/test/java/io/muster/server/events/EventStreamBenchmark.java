package io.muster.server.events;

import io.muster.server.api.EventApi;
import io.muster.server.state.ClusterState;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Events per second through one {@code GET /v1/events} stream (the broker, the NDJSON encoding, Vert.x and a JDK
 * HTTP client reading lines), with allocation events shaped like a real status update's: a replay of 1,000,000
 * buffered events, then 1,000,000 appended live (100 per index) while the client reads. Also the journal's memory per
 * event. The broker is standalone (its journal filled by this thread), so Raft's own speed is not what is measured.
 */
@Tag("benchmark")
class EventStreamBenchmark {
    private static final int N = 1_000_000;

    private static StateEvent event(long index, int i) {
        String alloc = "7f3c2a1e-5b6d-4e8f-9a0b-" + String.format("%012d", i);
        return new StateEvent(index, Topic.ALLOCATION, "AllocationUpdated", alloc, "web", 1 + i % 1000,
                new EventPayload.Allocation("web", 3, "frontend", i % 100, 1 + i % 1000, "run", "running", 0,
                        "task server: started", "started", 0, null));
    }

    @Test
    void eventsPerSecondThroughOneStream() throws Exception {
        EventBroker broker = new EventBroker(new ClusterState(), new EventBroker.Settings(2 * N, 4, Duration.ofSeconds(10), Duration.ofSeconds(60), 1024),
                Clock.systemUTC());
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        new EventApi(broker).mount(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        HttpClient http = HttpClient.newHttpClient();
        try {
            long index = 0;
            for (int i = 0; i < N; i += 100) {
                List<StateEvent> batch = new ArrayList<>(100);
                index++;
                for (int k = 0; k < 100; k++) batch.add(event(index, i + k));
                broker.journal().append(index, batch);
            }
            String url = "http://127.0.0.1:" + server.actualPort() + "/v1/events?index=0";
            HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofInputStream());
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8), 1 << 16);
            long t0 = System.nanoTime();
            long bytes = 0;
            for (int seen = 0; seen < N; ) {
                String line = in.readLine();
                bytes += line.length() + 1;
                if (line.startsWith("{\"index\"")) seen++;
            }
            long t1 = System.nanoTime();
            System.out.printf("EVENTSTREAM replay: %,d events in %d ms = %,.0f events/s (%.0f bytes per line)%n", N, (t1 - t0) / 1_000_000,
                    N / ((t1 - t0) / 1e9), (double) bytes / N);
            // Live: the writer appends as fast as it can; the time is until the reader has the last one.
            final long start = index;
            Thread writer = Thread.ofPlatform().start(() -> {
                long idx = start;
                for (int i = 0; i < N; i += 100) {
                    List<StateEvent> batch = new ArrayList<>(100);
                    idx++;
                    for (int k = 0; k < 100; k++) batch.add(event(idx, i + k));
                    broker.journal().append(idx, batch);
                    broker.wakeAll();
                }
            });
            long t2 = System.nanoTime();
            for (int seen = 0; seen < N; ) {
                String line = in.readLine();
                if (line.startsWith("{\"index\"")) seen++;
            }
            long t3 = System.nanoTime();
            writer.join();
            System.out.printf("EVENTSTREAM live: %,d events in %d ms = %,.0f events/s%n", N, (t3 - t2) / 1_000_000, N / ((t3 - t2) / 1e9));
            r.body().close();
        } finally {
            broker.close();
            server.close();
            vertx.close();
        }
        // Memory: a journal of 65,536 such events (the default buffer), the heap before and after.
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        EventJournal j = new EventJournal(65_536, 0);
        for (int i = 0; i < 65_536; i += 64) {
            List<StateEvent> batch = new ArrayList<>(64);
            for (int k = 0; k < 64; k++) batch.add(event(1 + i / 64, i + k));
            j.append(1 + i / 64, batch);
        }
        for (int i = 0; i < 3; i++) System.gc();
        long after = rt.totalMemory() - rt.freeMemory();
        System.out.printf("EVENTSTREAM memory: %d events held %,d bytes (%.0f bytes per event, ids and messages unshared)%n", j.size(), after - before,
                (after - before) / (double) j.size());
    }
}
