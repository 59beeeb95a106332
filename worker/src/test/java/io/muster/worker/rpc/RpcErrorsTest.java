package io.muster.worker.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A busy server's RESOURCE_EXHAUSTED (with a pushback) is retried; other RESOURCE_EXHAUSTED answers are refusals. */
class RpcErrorsTest {
    private static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void onlyAPushbackMakesResourceExhaustedABusySignal() {
        Metadata trailers = new Metadata();
        trailers.put(PUSHBACK, "1000");
        assertEquals(Optional.of(Duration.ofSeconds(1)),
                RpcErrors.busyPushback(Status.RESOURCE_EXHAUSTED.withDescription("busy").asRuntimeException(trailers)));
        assertEquals(Optional.empty(), RpcErrors.busyPushback(Status.RESOURCE_EXHAUSTED.withDescription("message too large").asRuntimeException()));
        assertEquals(Optional.empty(), RpcErrors.busyPushback(Status.UNAVAILABLE.asRuntimeException(trailers)));
        Metadata silly = new Metadata();
        silly.put(PUSHBACK, "99999999");
        assertEquals(Optional.of(Duration.ofMinutes(1)), RpcErrors.busyPushback(Status.RESOURCE_EXHAUSTED.asRuntimeException(silly)), "capped");
    }
}
