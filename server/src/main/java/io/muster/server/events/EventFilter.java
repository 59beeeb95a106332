package io.muster.server.events;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which events a subscriber wants: any of {@code topics}, and if set, only those of job {@code jobId} and of node
 * {@code nodeId} (0: any node). A job filter keeps job, allocation, operation and deployment events of that job; a
 * node filter keeps the node's own events and its allocations'.
 */
public record EventFilter(Set<Topic> topics, String jobId, long nodeId) {
    public static final EventFilter ALL = new EventFilter(EnumSet.allOf(Topic.class), null, 0);

    public EventFilter {
        topics = topics.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(topics));
    }

    public boolean matches(StateEvent e) {
        if (!topics.contains(e.topic())) return false;
        if (jobId != null && !jobId.equals(e.jobId())) return false;
        return nodeId == 0 || nodeId == e.nodeId();
    }
}
