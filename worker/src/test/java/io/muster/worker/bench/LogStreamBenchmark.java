package io.muster.worker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.types.state.NodeStatus;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log throughput from one task to a following client, through a follower that relays it from the server the worker is
 * connected to (3 servers, 1 worker, loopback), and the messages it takes per 10,000 lines. Not part of the default run:
 * {@code ./mvnw -pl worker -am test -Dtest=LogStreamBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class LogStreamBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void throughputThroughAFollower() throws Exception {
        int lines = Integer.getInteger("bench.lines", 500_000);
        int rate = Integer.getInteger("bench.lines-per-sec", 0); // 0: as fast as the task can print
        HttpClient http = HttpClient.newHttpClient();
        try (TestCluster cluster = TestCluster.builder(3).heartbeat(new HeartbeatPolicy(1, 2, 1, 50, 300)).build().startAll()) {
            MusterServer leader = cluster.awaitLeader(T);
            for (MusterServer s : cluster.running()) s.ready().get(30, TimeUnit.SECONDS);
            Await.until("gRPC up", T, () -> cluster.running().stream().allMatch(s -> s.grpc().port() > 0));
            String token = leader.joinTokens().create(Duration.ofHours(1), 3, Map.of(), "bench").get(30, TimeUnit.SECONDS).token();
            List<HostPort> servers = cluster.running().stream().map(s -> new HostPort("127.0.0.1", s.config().workerGrpcAddr().port())).toList();
            try (WorkerDaemon w = new WorkerDaemon(new WorkerConfig(tmp.resolve("w"), servers, token, null, tmp.resolve("w/identity"), Map.of()),
                    WorkerOptions.defaults())) {
                w.start();
                Await.until("a ready worker", T, () -> leader.state().nodes().stream().anyMatch(n -> n.state() == NodeStatus.READY));
                Await.until("control stream", T, () -> cluster.running().stream().anyMatch(s -> s.grpc().controlConnected(w.nodeId())));
                MusterServer direct = cluster.running().stream().filter(s -> s.grpc().controlConnected(w.nodeId())).findFirst().orElseThrow();
                MusterServer relay = cluster.running().stream().filter(s -> s != direct && s != leader).findFirst()
                        .orElseGet(() -> cluster.running().stream().filter(s -> s != direct).findFirst().orElseThrow());
                // 100-byte lines (99 characters and a newline); awk prints them as fast as it can, or in bursts of a tenth of the rate every 100 ms (plus the time a burst takes).
                String awk = rate == 0
                        ? "awk 'BEGIN{for(i=0;i<" + lines + ";i++) printf \"%010d %088d\\n\", i, 0}'"
                        : "awk 'BEGIN{per=" + Math.max(1, rate / 10) + "; for(i=0;i<" + lines + ";i++){ printf \"%010d %088d\\n\", i, 0; if(i%per==per-1){fflush(); system(\"sleep 0.1\")} }}'";
                String spec = """
                        {"id":"logbench","type":"batch","groups":[{"name":"g","tasks":[{"name":"t","driver":"exec","command":"/bin/sh",
                        "args":["-c","sleep 2; %s"]}]}]}""".formatted(awk.replace("\\", "\\\\").replace("\"", "\\\""));
                HttpResponse<String> sub = http.send(HttpRequest.newBuilder(URI.create(cluster.apiUrl(leader.config().serverId()) + "/v1/jobs"))
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(spec)).build(), HttpResponse.BodyHandlers.ofString());
                if (sub.statusCode() != 201) throw new AssertionError(sub.body());
                String alloc = Await.value("the allocation", T, () -> relay.state().snapshot().allocsOfJob("logbench").stream().findFirst().map(a -> a.id()).orElse(null));
                long frames0 = direct.grpc().logWindow().frames(), relayed0 = relay.grpc().logWindow().frames(), credits0 = direct.grpc().logWindow().credits();
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(cluster.apiUrl(relay.config().serverId())
                        + "/v1/allocations/" + alloc + "/logs?follow=true&tail=all")).build(), HttpResponse.BodyHandlers.ofInputStream());
                long bytes = 0, dropped = 0, httpLines = 0, first = 0, last = 0;
                try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8), 1 << 16)) {
                    for (String l; (l = in.readLine()) != null; ) {
                        JsonNode e = JSON.readTree(l);
                        if (!e.has("data")) continue;
                        if (first == 0) first = System.nanoTime();
                        last = System.nanoTime();
                        httpLines++;
                        bytes += Base64.getDecoder().decode(e.get("data").asText()).length;
                        dropped += e.path("dropped").asLong(0);
                    }
                }
                long got = bytes / 100;
                double secs = (last - first) / 1e9;
                long frames = direct.grpc().logWindow().frames() - frames0;
                long relayed = relay.grpc().logWindow().frames() - relayed0;
                long credits = direct.grpc().logWindow().credits() - credits0;
                System.out.printf("%nlog stream through a follower: %,d lines written (%s), %,d received (%.1f MB), %,d bytes dropped, in %.2f s:"
                                + " %,.0f lines/s, %.1f MB/s%n",
                        lines, rate == 0 ? "as fast as awk prints" : rate + " lines/s", got, bytes / 1e6, dropped, secs, got / secs, bytes / 1e6 / secs);
                System.out.printf("per 10,000 lines received: %.1f worker->server frames, %.1f server->server frames, %.1f credit messages,"
                                + " %.1f NDJSON chunks to the client%n",
                        frames * 1e4 / got, relayed * 1e4 / got, credits * 1e4 / got, httpLines * 1e4 / got);
            }
        }
    }
}
