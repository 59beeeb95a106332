package io.muster.server.grpc.client;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.muster.server.Failures;
import io.muster.server.raft.RaftUnavailableException;
import io.muster.server.service.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failed call's gRPC status, from the same failures the REST API maps to HTTP: the service layer's stable code goes
 * in the description ("JOB_NOT_FOUND: no job with id x") and in the {@code muster-error-code} trailer.
 */
final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
    static final Metadata.Key<String> CODE = Metadata.Key.of("muster-error-code", Metadata.ASCII_STRING_MARSHALLER);

    private Errors() {}

    static StatusRuntimeException toStatus(Throwable t) {
        Throwable c = Failures.cause(t);
        if (c instanceof StatusRuntimeException s) return s;
        if (c instanceof RaftUnavailableException) return with(Status.UNAVAILABLE, "NO_QUORUM", c.getMessage());
        if (c instanceof ServiceException e) return with(code(e.status()), e.code(), e.getMessage());
        if (c instanceof IllegalArgumentException) return with(Status.INVALID_ARGUMENT, "BAD_REQUEST", c.getMessage());
        if (c instanceof IllegalStateException) return with(Status.FAILED_PRECONDITION, "CONFLICT", c.getMessage());
        LOG.warn("client gRPC call failed", c);
        return with(Status.INTERNAL, "INTERNAL", "internal error: " + c.getClass().getSimpleName());
    }

    /** The gRPC code for the HTTP status the REST API answers the same refusal with. */
    static Status code(int httpStatus) {
        return switch (httpStatus) {
            case 400, 422 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 403 -> Status.PERMISSION_DENIED;
            case 404 -> Status.NOT_FOUND;
            case 409 -> Status.FAILED_PRECONDITION;
            case 413, 429 -> Status.RESOURCE_EXHAUSTED;
            case 503 -> Status.UNAVAILABLE;
            default -> Status.INTERNAL;
        };
    }

    private static StatusRuntimeException with(Status status, String code, String message) {
        Metadata trailers = new Metadata();
        trailers.put(CODE, code);
        return status.withDescription(code + ": " + message).asRuntimeException(trailers);
    }

    /** Runs a unary handler: what it throws becomes the call's status. */
    static <T> void answer(StreamObserver<T> out, java.util.function.Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (RuntimeException e) {
            out.onError(toStatus(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    /** Completes a unary call with an asynchronous result (a Raft write), mapping its failure. */
    static <T> void answer(StreamObserver<T> out, java.util.concurrent.CompletableFuture<T> result) {
        result.whenComplete((v, e) -> {
            if (e != null) out.onError(toStatus(e));
            else {
                out.onNext(v);
                out.onCompleted();
            }
        });
    }

    /** Starts an asynchronous call; a refusal thrown before it is underway becomes the call's status. */
    static <T> void answerAsync(StreamObserver<T> out, java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> start) {
        java.util.concurrent.CompletableFuture<T> f;
        try {
            f = start.get();
        } catch (RuntimeException e) {
            out.onError(toStatus(e));
            return;
        }
        answer(out, f);
    }
}
