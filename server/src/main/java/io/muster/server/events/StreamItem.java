package io.muster.server.events;

/**
 * What a subscription hands its sink, in order. Every item names an {@code index}: passing it back as the
 * subscription's start index resumes right after it, missing nothing.
 */
public sealed interface StreamItem {
    long index();

    /** A state change. */
    record Event(StateEvent event) implements StreamItem {
        @Override
        public long index() {
            return event.index();
        }
    }

    /** Nothing new (the stream is alive): every matching event up to {@code index} has been sent. */
    record Heartbeat(long index) implements StreamItem {}

    /**
     * Events between the requested index and {@code index} are not kept here ({@code reason}: {@code evicted} from the
     * bounded buffer, or {@code snapshot}: this server's state came from a snapshot, after a restart or from the leader).
     * The stream goes on with every event after {@code index}; {@code oldestIndex} ({@code index + 1}) is the first index
     * it can replay. A consumer that needs every change resyncs from a snapshot read (GET the objects) first.
     */
    record Gap(long index, long oldestIndex, long requestedIndex, String reason) implements StreamItem {}

    /**
     * The last item of a stream whose reader fell too far behind (or stopped reading): every event up to {@code index}
     * was sent; subscribe again from {@code index}.
     */
    record Lagged(long index, String reason) implements StreamItem {}
}
