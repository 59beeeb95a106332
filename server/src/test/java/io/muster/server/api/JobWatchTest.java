package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.client.JobStatus;
import io.muster.client.MusterClient;
import io.muster.client.SpecFormat;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client's blocking query against a real server: a watch on a job answers when the job changes (here: stopped),
 * with a higher index; a watch whose wait runs out answers with the job unchanged and the same index.
 */
@Timeout(120)
class JobWatchTest {
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void aWatchAnswersWhenTheJobChanges() throws Exception {
        try (TestCluster c = TestCluster.builder(1).build().startAll();
             MusterClient client = MusterClient.builder().address(c.apiUrl(1)).build()) {
            c.awaitLeader(T).ready().get(30, TimeUnit.SECONDS);
            client.submitJob("""
                    id: watched
                    type: service
                    groups:
                      - name: g
                        count: 1
                        tasks:
                          - {name: t, driver: exec, command: sleep, args: ["60"]}
                    """, SpecFormat.YAML);
            // No node can take it: the scheduler records the failure, after which the job rests.
            MusterClient.Watched<JobStatus> rest = Await.value("the job evaluated", T, () -> {
                MusterClient.Watched<JobStatus> w = client.watchJob("watched", 0, null);
                return w.value().hasPlacementFailures() ? w : null;
            });
            assertTrue(rest.index() > 0, "the answer carries X-Muster-Index");

            MusterClient.Watched<JobStatus> unchanged = client.watchJob("watched", rest.index(), Duration.ofMillis(300));
            assertEquals(rest.index(), unchanged.index(), "nothing changed while it waited");

            CompletableFuture<MusterClient.Watched<JobStatus>> watch =
                    CompletableFuture.supplyAsync(() -> client.watchJob("watched", rest.index(), Duration.ofSeconds(60)));
            c.put(c.awaitLeader(T), "unrelated", "write"); // another part of the state changes: the watch keeps waiting
            assertFalse(watch.isDone(), "an unrelated write answered the watch");
            client.stopJob("watched");
            MusterClient.Watched<JobStatus> stopped = watch.get(20, TimeUnit.SECONDS);
            assertEquals("stopped", stopped.value().status());
            assertTrue(stopped.index() > rest.index(), stopped.index() + " after " + rest.index());
        }
    }
}
