package io.muster.server.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Threads for registration and renewal: token, CSR and signature work (milliseconds of CPU each), kept off the
 * network threads. The queue is bounded: when it is full a call is refused at once with RESOURCE_EXHAUSTED and a
 * retry pushback, instead of queueing without bound (each queued Register holds its request; Register needs no
 * client certificate, so anyone who can reach the port can fill it).
 */
final class CryptoPool implements AutoCloseable {
    /** gRPC's standard retry hint; the worker's registrar treats a refusal carrying it as "busy, retry later". */
    static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);
    static final long PUSHBACK_MS = 1_000;

    private final ThreadPoolExecutor pool;

    CryptoPool(int threads, int queueCapacity) {
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueCapacity), r -> {
            Thread t = new Thread(r, "worker-crypto");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs {@code task} on the pool, or answers {@code out} with RESOURCE_EXHAUSTED if the queue is full. */
    void submit(Runnable task, StreamObserver<?> out, String what) {
        try {
            pool.execute(task);
        } catch (RejectedExecutionException e) {
            try {
                out.onError(busy("this server has " + pool.getQueue().size() + " " + what + " waiting"));
            } catch (RuntimeException gone) {
                // the caller went away
            }
        }
    }

    /** RESOURCE_EXHAUSTED with the pushback hint: the server is busy, not refusing the request itself. */
    static StatusRuntimeException busy(String why) {
        Metadata trailers = new Metadata();
        trailers.put(PUSHBACK, Long.toString(PUSHBACK_MS));
        return Status.RESOURCE_EXHAUSTED.withDescription(why + "; retry in a moment or try another server").asRuntimeException(trailers);
    }

    int queued() {
        return pool.getQueue().size();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
