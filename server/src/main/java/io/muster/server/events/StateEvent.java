package io.muster.server.events;

/**
 * One state change, as every server derives it from the same applied entry: the entry's Raft {@code index}, its
 * {@code topic}, {@code type} ({@code JobRegistered}, {@code AllocationUpdated}, ...), {@code key} (the job, node or
 * allocation id), the job and node it concerns (for filters: {@code jobId} null and {@code nodeId} 0 when none) and a
 * compact {@code payload}. Events of one index keep the order the entry's changes were applied in.
 */
public record StateEvent(long index, Topic topic, String type, String key, String jobId, long nodeId, EventPayload payload) {
    public StateEvent {
        if (payload == null) payload = EventPayload.NONE;
    }
}
