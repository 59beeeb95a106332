package io.muster.worker.bench;

import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Submit-to-finished time for 1,000 short exec jobs (`true`) on one worker, single server. Not in the
 * default run: {@code ./mvnw -pl worker -am test -Dtest=ExecJobsBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class ExecJobsBenchmark {
    @Test
    void thousandShortExecJobsOnOneWorker() throws Exception {
        int jobs = Integer.getInteger("bench.jobs", 1_000);
        Path dir = Files.createTempDirectory("bench-worker");
        try (TestCluster c = TestCluster.builder(1).build().startAll()) {
            MusterServer s = c.awaitLeader(Duration.ofSeconds(30));
            s.ready().get(30, TimeUnit.SECONDS);
            Await.until("grpc", Duration.ofSeconds(30), () -> s.grpc().port() > 0);
            String token = s.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "bench").get(30, TimeUnit.SECONDS).token();
            WorkerDaemon w = new WorkerDaemon(new WorkerConfig(dir, List.of(new HostPort("127.0.0.1", s.config().workerGrpcAddr().port())), token, null,
                    dir.resolve("identity"), Map.of()), WorkerOptions.defaults());
            w.start();
            try {
                Await.until("ready", Duration.ofSeconds(30), () -> s.state().nodes().stream().anyMatch(n -> n.state() == NodeStatus.READY));
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                long t0 = System.nanoTime();
                for (int i = 0; i < jobs; i++) {
                    String body = "{\"id\":\"j" + i + "\",\"type\":\"batch\",\"groups\":[{\"name\":\"g\",\"count\":1,\"tasks\":[{\"name\":\"t\",\"driver\":\"exec\","
                            + "\"command\":\"true\",\"resources\":{\"cpu\":1,\"memory\":1}}]}]}";
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(c.apiUrl(1) + "/v1/jobs")).header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 201) throw new AssertionError(r.body());
                }
                long submitted = System.nanoTime();
                Await.until("all complete", Duration.ofMinutes(10), () -> s.state().jobs().stream()
                        .allMatch(j -> s.state().allocsOfJob(j.id()).stream().anyMatch(a -> a.status() == AllocStatus.COMPLETE)));
                long done = System.nanoTime();
                System.out.printf("%n%,d exec jobs on one worker: submitted in %.1f s, all finished %.1f s after the first submit (%.0f jobs/s)%n",
                        jobs, (submitted - t0) / 1e9, (done - t0) / 1e9, jobs / ((done - t0) / 1e9));
            } finally {
                w.close();
            }
        }
    }
}
