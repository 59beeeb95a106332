package io.muster.server.leader;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The job ids a leader service has yet to look at: each id once however often it was asked for (asks coalesce while
 * it waits), taken in first-asked order. Fed from the apply thread, drained on the service's own thread.
 */
final class JobQueue {
    private final Set<String> ids = new LinkedHashSet<>();

    /** True when {@code id} was not waiting yet (the caller then wakes its service). */
    synchronized boolean add(String id) {
        return ids.add(id);
    }

    /** The oldest waiting id, removed; null when none waits. */
    synchronized String poll() {
        Iterator<String> it = ids.iterator();
        if (!it.hasNext()) return null;
        String next = it.next();
        it.remove();
        return next;
    }

    synchronized void clear() {
        ids.clear();
    }
}
