package io.muster.server.grpc;

import io.grpc.stub.StreamObserver;
import io.muster.server.metrics.WorkerMetrics;

/**
 * A unary call's answer that reports how long it took to {@link WorkerMetrics#heartbeatAnswered} when it is sent,
 * whether it is an ack or an error, wherever it was produced (the lease service here or the leader through the relay).
 */
final class TimedAnswer<T> implements StreamObserver<T> {
    private final StreamObserver<T> out;
    private final long startedNanos;
    private final WorkerMetrics metrics;

    TimedAnswer(StreamObserver<T> out, long startedNanos, WorkerMetrics metrics) {
        this.out = out;
        this.startedNanos = startedNanos;
        this.metrics = metrics;
    }

    @Override
    public void onNext(T value) {
        metrics.heartbeatAnswered(System.nanoTime() - startedNanos);
        out.onNext(value);
    }

    @Override
    public void onError(Throwable t) {
        metrics.heartbeatAnswered(System.nanoTime() - startedNanos);
        out.onError(t);
    }

    @Override
    public void onCompleted() {
        out.onCompleted();
    }
}
