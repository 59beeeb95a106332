package io.muster.server.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.muster.proto.client.v1.GetJobRequest;
import io.muster.proto.client.v1.JobServiceGrpc;
import io.muster.proto.client.v1.ListNodesRequest;
import io.muster.proto.client.v1.NodeServiceGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The client gRPC API against the REST API on the same server, for the same answers: {@code ListNodes} vs
 * {@code GET /v1/nodes} and {@code GetJob} vs {@code GET /v1/jobs/:id}. Calls per second from {@code bench.threads}
 * callers, each with its own connection reused throughout (a gRPC channel; an HTTP/1.1 keep-alive client), and the
 * server's CPU per call from its {@code /proc/<pid>/stat} utime+stime over each run. The server is a separate
 * {@code muster dev} process (so the client's CPU is not counted), started by loadtest/client-api-bench.sh, which
 * passes {@code bench.api}, {@code bench.pid} and {@code bench.job}. Variants are interleaved, 3 rounds, median shown.
 */
@Tag("benchmark")
class ClientApiBenchmark {
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    interface Call {
        void run() throws Exception;
    }

    @Test
    void grpcVersusRest() throws Exception {
        String api = System.getProperty("bench.api");
        Assumptions.assumeTrue(api != null, "run through loadtest/client-api-bench.sh");
        long pid = Long.parseLong(System.getProperty("bench.pid"));
        String job = System.getProperty("bench.job");
        int calls = Integer.getInteger("bench.calls", 4000);
        int threads = Integer.getInteger("bench.threads", 1);
        URI base = URI.create(api);
        int grpcPort = base.getPort() + 2;

        List<ManagedChannel> channels = new ArrayList<>();
        List<HttpClient> https = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            channels.add(NettyChannelBuilder.forAddress(base.getHost(), grpcPort).usePlaintext().build());
            https.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build());
        }
        Map<String, java.util.function.IntFunction<Call>> variants = new LinkedHashMap<>();
        variants.put("gRPC ListNodes", t -> {
            var stub = NodeServiceGrpc.newBlockingStub(channels.get(t));
            return () -> stub.listNodes(ListNodesRequest.getDefaultInstance());
        });
        variants.put("REST GET /v1/nodes", t -> rest(https.get(t), base.resolve("/v1/nodes")));
        variants.put("gRPC GetJob", t -> {
            var stub = JobServiceGrpc.newBlockingStub(channels.get(t));
            GetJobRequest req = GetJobRequest.newBuilder().setId(job).build();
            return () -> stub.getJob(req);
        });
        variants.put("REST GET /v1/jobs/:id", t -> rest(https.get(t), base.resolve("/v1/jobs/" + job)));

        Map<String, List<double[]>> results = new LinkedHashMap<>();
        for (String v : variants.keySet()) run(variants.get(v), threads, calls / 2, pid); // warm-up: JIT on both sides
        for (int round = 0; round < 3; round++)
            for (var v : variants.entrySet()) results.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(run(v.getValue(), threads, calls, pid));
        System.out.printf("%n%d caller(s), %d calls per run, median of 3 runs%n", threads, calls);
        System.out.printf("| %-22s | %10s | %22s |%n", "call", "calls/s", "server CPU-µs per call");
        for (var e : results.entrySet()) {
            List<double[]> rs = e.getValue();
            double rate = median(rs.stream().mapToDouble(r -> r[0]).toArray());
            double cpu = median(rs.stream().mapToDouble(r -> r[1]).toArray());
            System.out.printf("| %-22s | %10.0f | %22.0f |%n", e.getKey(), rate, cpu);
        }
        channels.forEach(ManagedChannel::shutdownNow);
    }

    private static Call rest(HttpClient http, URI uri) {
        HttpRequest req = HttpRequest.newBuilder(uri).GET().build();
        return () -> {
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new IllegalStateException(uri + ": " + r.statusCode());
        };
    }

    /** Returns {calls per second, server CPU microseconds per call}. */
    private static double[] run(java.util.function.IntFunction<Call> variant, int threads, int calls, long pid) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Call> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) callers.add(variant.apply(t));
        long cpu0 = cpuTicks(pid);
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (Call c : callers) {
            done.add(pool.submit(() -> {
                for (int i = 0; i < calls / threads; i++) c.run();
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        long wall = System.nanoTime() - t0;
        long cpu = cpuTicks(pid) - cpu0;
        pool.shutdown();
        int total = calls / threads * threads;
        return new double[] {total / (wall / 1e9), cpu * 1e6 / TICKS_PER_SECOND / total};
    }

    /** utime + stime of the process, in clock ticks. */
    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double median(double[] v) {
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }
}
