package io.muster.server.events;

import java.util.List;

/**
 * Where a subscription's items go: a transport (the REST NDJSON response, a gRPC stream). Called from the
 * subscription's own thread, one call at a time, never from the apply thread.
 */
public interface EventSink {
    /**
     * Takes {@code items} (all of them). Returns false when the transport's bounded buffer is full: the subscription then
     * sends nothing more until {@link Subscription#resume()}, and ends with {@link StreamItem.Lagged} if that takes longer
     * than the broker's stall timeout or the journal overwrites what it has not sent.
     */
    boolean send(List<StreamItem> items);

    /** The subscription ended (its last item said why, or the server is shutting down, or it was cancelled). Called once. */
    void end();
}
