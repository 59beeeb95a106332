package io.muster.server.bench;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.KvPut;
import io.muster.server.MusterServer;
import io.muster.server.testkit.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Committed small commands per second and commit latency on a 3-server cluster (fsync on: Ratis' default
 * synchronous log flush), with 1, 16 and 256 concurrent clients. Not part of the default run:
 * {@code ./mvnw -pl server -am test -Dtest=RaftBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 * Then, if wrk is installed, the same cluster's HTTP write path (PUT /v1/kv) is driven with wrk as
 * ../shared/bench/etcd-baseline.sh drives etcd.
 */
@Tag("benchmark")
class RaftBenchmark {
    private static final int SECONDS = Integer.getInteger("bench.seconds", 15);

    @Test
    void committedWritesPerSecond() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(Duration.ofSeconds(30));
            StringBuilder report = new StringBuilder("| clients | commits/s | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n");
            for (int clients : new int[] {1, 16, 256}) {
                run(leader, clients, 3); // warm-up
                Result r = run(leader, clients, SECONDS);
                report.append(String.format("| %d | %,.0f | %.2f | %.2f | %.2f |%n", clients, r.perSecond, r.h.getValueAtPercentile(50) / 1e3,
                        r.h.getValueAtPercentile(99) / 1e3, r.h.getMaxValue() / 1e3));
            }
            System.out.println("\nIn-process Ratis clients, 3 servers, " + SECONDS + " s per row:\n" + report);
            wrk(c.apiUrl(leader.config().serverId()));
        }
    }

    private record Result(double perSecond, Histogram h) {}

    private static Result run(MusterServer leader, int clients, int seconds) throws Exception {
        Recorder rec = new Recorder(3);
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            threads.add(Thread.ofVirtual().start(() -> {
                long n = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        leader.raft().proposer().submit(Command.newBuilder().setProposedUnixMs(1).setKvPut(KvPut.newBuilder().setKey("c" + id + "-" + (n++ % 100))
                                .setValue(com.google.protobuf.ByteString.copyFromUtf8("value-value-value"))).build()).get(30, TimeUnit.SECONDS);
                        rec.recordValue((System.nanoTime() - t0) / 1000);
                        done.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        return new Result(done.get() / (double) seconds, rec.getIntervalHistogram());
    }

    private static void wrk(String leaderUrl) throws IOException, InterruptedException {
        if (new ProcessBuilder("sh", "-c", "command -v wrk").start().waitFor() != 0) {
            System.out.println("wrk not installed: skipping the HTTP comparison (apt-get install wrk)");
            return;
        }
        Path lua = Files.createTempFile("put", ".lua");
        Files.writeString(lua, "wrk.method = \"PUT\"\nwrk.body = \"value-value-value\"\n");
        for (int conns : new int[] {1, 16, 64, 256}) {
            int threads = conns < 2 ? 1 : 2;
            Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + conns, "-d" + SECONDS + "s", "--latency", "-s", lua.toString(), leaderUrl + "/v1/kv/key")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            System.out.println("wrk PUT /v1/kv, " + conns + " connections:");
            out.lines().filter(l -> l.matches(".*(Requests/sec|Latency|50%|99%|Non-2xx).*")).forEach(l -> System.out.println("  " + l.trim()));
        }
        Files.deleteIfExists(lua);
    }
}
