package io.muster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.worker.fake.ManualTime;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heartbeat's pacing runs on the injected ticker: after a report, the next one is due at 0.5-0.75 x the TTL the
 * server returned, in ticker time. Time is stepped by hand; the test waits (bounded) only for the worker's threads
 * to get where they are going, never for a period to pass.
 */
class HeartbeatTimingTest {
    private static final Duration GUARD = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void theNextHeartbeatIsDueBetweenHalfAndThreeQuartersOfTheTtlOfInjectedTime() throws Exception {
        ManualTime time = new ManualTime(0);
        try (WorkerHarness h = new WorkerHarness(dir, 1)) {
            h.cluster.ttlSecs = 10;
            WorkerDaemon worker = h.daemon(h.config(h.cluster.token(1)), h.options().withTicker(time));
            worker.start();
            WorkerHarness.awaitRunning(worker);
            Await.until("the first report (sent at once: this node is up)", () -> h.cluster.reports.size() == 1,
                    () -> h.cluster.reports.toString());

            time.awaitWaiting("muster-heartbeat", GUARD);
            time.advance(Duration.ofMillis(4_999));
            assertTrue(time.isWaiting("muster-heartbeat"), "still waiting just before half the TTL");
            assertEquals(1, h.cluster.reports.size(), "no report before half the TTL");

            time.advance(Duration.ofMillis(2_501)); // three quarters of the TTL: due whatever the jitter
            Await.until("the second report", () -> h.cluster.reports.size() == 2, () -> h.cluster.reports.toString());
        }
    }
}
