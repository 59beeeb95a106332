package io.muster.server.api;

import static io.muster.server.api.MetricsApiTest.parse;
import static io.muster.server.api.MetricsApiTest.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.muster.types.state.NodeStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The metrics issue 15 listed that the first metrics round lacked, each checked to move when its event happens: Raft
 * commit latency, heartbeat answer latency, poll answers by kind, blocked evaluations and the failover-TTL window
 * (armed at election, leases still on it, leases that expired on it). One dev server with a hand-moved lease ticker.
 */
@Timeout(240)
class MetricsGapsTest {
    private static final Duration T = Duration.ofSeconds(30);

    private static double v(MusterServer s, String name, Map<String, String> labels) {
        double x = value(parse(s.metrics().scrape()), name, labels);
        return Double.isNaN(x) ? 0 : x;
    }

    private static double v(MusterServer s, String name) {
        return v(s, name, Map.of());
    }

    private static String job(String id, int count, int cpu) {
        return "{\"id\": \"" + id + "\", \"type\": \"service\", \"groups\": [{\"name\": \"g\", \"count\": " + count + ", \"tasks\": [{\"name\": \"t\", "
                + "\"driver\": \"exec\", \"command\": \"sleep\", \"args\": [\"300\"], \"resources\": {\"cpu\": " + cpu + ", \"memory\": 64}}]}]}";
    }

    private static void submit(HttpClient http, String url, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/jobs")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
    }

    @Test
    void eachNewMetricMovesWithItsEvent() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        try (TestCluster c = TestCluster.builder(1).build(); TestWorker a = new TestWorker(); TestWorker b = new TestWorker()) {
            c.ticker = nanos::get;
            c.startAll();
            MusterServer s = c.awaitLeader(T);
            s.ready().get(30, TimeUnit.SECONDS);
            Await.until("grpc up", T, () -> s.grpc().port() > 0);
            HostPort grpc = new HostPort("127.0.0.1", s.config().workerGrpcAddr().port());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

            // Raft commit latency: every entry this leader commits is timed once.
            double commits = v(s, "muster_raft_commit_duration_seconds_count");
            c.put(s, "metrics-gaps", "1");
            c.put(s, "metrics-gaps", "2");
            assertTrue(v(s, "muster_raft_commit_duration_seconds_count") >= commits + 2, "two commits timed");
            assertTrue(v(s, "muster_raft_commit_duration_seconds_sum") > 0, "with a duration");
            assertTrue(v(s, "muster_raft_commit_duration_seconds_bucket", Map.of("le", "+Inf")) >= commits + 2, "as a histogram");

            var tok = s.joinTokens().create(Duration.ofHours(1), 2, Map.of(), "metrics gaps").get(30, TimeUnit.SECONDS);
            a.register(grpc, tok.token(), TestWorker.profile("a", Map.of()));
            b.register(grpc, tok.token(), TestWorker.profile("b", Map.of()));
            var sa = a.connect(grpc);
            var sb = b.connect(grpc);

            // Heartbeat answer latency: one observation per heartbeat answered, ack or refusal.
            assertEquals(0.0, v(s, "muster_worker_heartbeat_duration_seconds_count"));
            a.beat(sa);
            assertEquals(1.0, v(s, "muster_worker_heartbeat_duration_seconds_count"));
            b.beat(sb);
            assertEquals(2.0, v(s, "muster_worker_heartbeat_duration_seconds_count"));
            Await.until("both ready", T, () -> s.state().nodes().stream().filter(n -> n.state() == NodeStatus.READY).count() == 2);

            // Poll answers by kind: a first poll gets the snapshot, a poll with nothing new ends empty after its wait.
            Map<String, String> snapshot = Map.of("kind", "snapshot");
            Map<String, String> empty = Map.of("kind", "empty");
            Map<String, String> events = Map.of("kind", "events");
            long rev = a.poll(sa, 0, 1).getRevision();
            assertEquals(1.0, v(s, "muster_worker_poll_answers_total", snapshot));
            rev = a.poll(sa, rev, 1).getRevision();
            assertEquals(1.0, v(s, "muster_worker_poll_answers_total", empty));
            assertEquals(0.0, v(s, "muster_worker_poll_answers_total", events));
            // ... and one after a placement on a node carries events.
            submit(http, c.apiUrl(1), job("fits", 2, 100));
            Await.until("placed", T, () -> s.state().allocsOfJob("fits").size() == 2);
            long from = rev;
            long bRev = b.poll(sb, 0, 1).getRevision(); // b's snapshot (the allocations may be on either node)
            assertEquals(2.0, v(s, "muster_worker_poll_answers_total", snapshot));
            Await.until("a poll with events", T, () -> {
                if (s.state().allocsOfJob("fits").stream().anyMatch(x -> x.nodeId() == a.nodeId)) a.poll(sa, from, 2);
                else b.poll(sb, Math.min(bRev, from), 2);
                return v(s, "muster_worker_poll_answers_total", events) >= 1;
            });
            assertEquals(0.0, v(s, "muster_scheduler_blocked_evaluations"));

            // Blocked evaluations: a job no node has room for waits for capacity.
            double blockedBefore = v(s, "muster_scheduler_evaluations_blocked_total");
            submit(http, c.apiUrl(1), job("too-big", 3, 1_000_000));
            Await.until("the evaluation is blocked", T, () -> v(s, "muster_scheduler_evaluations_blocked_total") > blockedBefore);
            Await.until("the job waits for capacity", T, () -> v(s, "muster_scheduler_blocked_evaluations") == 1.0);
            assertEquals(3.0, v(s, "muster_scheduler_unplaced_allocations"));
            HttpResponse<String> stop = http.send(HttpRequest.newBuilder(URI.create(c.apiUrl(1) + "/v1/jobs/too-big")).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stop.statusCode(), stop.body());
            Await.until("a stopped job no longer waits", T, () -> v(s, "muster_scheduler_blocked_evaluations") == 0.0);
            assertEquals(0.0, v(s, "muster_scheduler_unplaced_allocations"));

            // Failover-TTL window: a restarted leader arms both live nodes' leases with the failover TTL.
            c.kill(1);
            MusterServer r = c.restart(1);
            c.awaitLeader(T);
            r.ready().get(30, TimeUnit.SECONDS);
            Await.until("leases armed", T, () -> v(r, "muster_worker_failover_windows_total") == 1.0);
            assertEquals(2.0, v(r, "muster_worker_failover_leases_armed_total"));
            assertEquals(2.0, v(r, "muster_worker_failover_leases"));
            // A heartbeat takes a node off the failover TTL; the silent one expires on it and is marked down.
            Await.until("grpc up again", T, () -> r.grpc().port() > 0);
            HostPort grpc2 = new HostPort("127.0.0.1", r.config().workerGrpcAddr().port());
            var sa2 = a.connect(grpc2);
            Await.until("a heartbeat reaches the new leader", T, () -> {
                try {
                    return a.beat(sa2).getNextTtlSecs() > 0;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            assertEquals(1.0, v(r, "muster_worker_failover_leases"));
            assertEquals(0.0, v(r, "muster_worker_failover_expiries_total"));
            nanos.addAndGet(TimeUnit.SECONDS.toNanos(r.config().heartbeat().failoverTtlSecs()) + TimeUnit.MILLISECONDS.toNanos(1_500));
            r.heartbeats().cleanUp();
            Await.until("b marked down", T, () -> r.state().node(b.nodeId).map(n -> n.state() == NodeStatus.DOWN).orElse(false));
            // Only b's lease was still on the failover TTL (a's own, shorter TTL may have run out too: a plain expiry).
            assertEquals(1.0, v(r, "muster_worker_failover_expiries_total"));
            assertTrue(v(r, "muster_worker_lease_expiries_total") >= 1.0);
            assertEquals(0.0, v(r, "muster_worker_failover_leases"));
        }
    }
}
