package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.stub.StreamObserver;
import io.muster.server.metrics.ServerMetrics;
import io.muster.server.metrics.WorkerMetrics.PollAnswer;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the metrics of issue 15's second round add to the hot paths, per call, beside the same path without them: a
 * heartbeat's answer timed through {@link TimedAnswer} (two clock reads, one allocation, one histogram record), a poll
 * answer's counter, a Raft commit's histogram record. Two threads at once, as the gRPC executor runs them; median of
 * rounds. Compare with the server CPU one heartbeat costs in the load test (hundreds of microseconds, BENCHMARKS.md).
 */
@Tag("benchmark")
class MetricsHotPathBenchmark {
    private static final int ROUNDS = 15;
    private static final int CALLS = 2_000_000;
    private static final int THREADS = 2;

    /** A sink that does what the gRPC observer's cheapest part would: count. */
    private static final class Sink implements StreamObserver<Object> {
        final LongAdder n = new LongAdder();

        @Override
        public void onNext(Object value) {
            n.increment();
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    }

    private interface Op {
        void run(int i);
    }

    /** Nanoseconds per call, median of the rounds, {@link #THREADS} threads each making {@link #CALLS} calls. */
    private static double measure(Op op) throws InterruptedException {
        double[] perCall = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            CountDownLatch start = new CountDownLatch(1);
            Thread[] ts = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++) {
                ts[t] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < CALLS; i++) op.run(i);
                });
                ts[t].start();
            }
            long t0 = System.nanoTime();
            start.countDown();
            for (Thread t : ts) t.join();
            perCall[r] = (System.nanoTime() - t0) / (double) CALLS; // wall time per call of one thread
        }
        Arrays.sort(perCall);
        return perCall[ROUNDS / 2];
    }

    @Test
    void hotPathMetricsCost() throws Exception {
        try (ServerMetrics m = new ServerMetrics()) {
            Sink sink = new Sink();
            Object ack = new Object();
            double plain = measure(i -> {
                m.heartbeat();
                sink.onNext(ack);
            });
            double timed = measure(i -> {
                m.heartbeat();
                new TimedAnswer<>(sink, System.nanoTime(), m).onNext(ack);
            });
            double poll = measure(i -> m.pollAnswered(PollAnswer.values()[i % 3]));
            double commit = measure(i -> {
                long t = System.nanoTime();
                m.committed(System.nanoTime() - t);
            });
            System.out.printf("metrics hot path (ns per call, %d threads, median of %d rounds): heartbeat answer %.1f untimed, %.1f timed (+%.1f);"
                    + " poll answer counter %.1f; commit histogram %.1f%n", THREADS, ROUNDS, plain, timed, timed - plain, poll, commit);
            assertTrue(m.scrape().contains("muster_worker_heartbeat_duration_seconds_count"));
        }
    }
}
