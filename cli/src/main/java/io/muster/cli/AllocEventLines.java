package io.muster.cli;

import io.muster.client.AllocEvent;
import io.muster.client.JobStatus;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code job run --wait}'s event lines: each allocation event not printed yet, as it arrives ("restart 1 of 2 in 15s
 * after exit code 1"). A job's answer carries each allocation's newest events and how many it ever had, so an event
 * is printed once however often the job is read. Jobs of many allocations print only the events that matter to
 * the outcome, not every placement and start.
 */
final class AllocEventLines {
    /** Up to this many allocations, every event is printed. */
    static final int ALL_EVENTS_UP_TO = 10;
    private static final Set<String> NOTABLE = Set.of("restarting", "timed-out", "oom-killed", "deadline", "node-lost",
            "rescheduled", "failed", "setup-failed");

    private final PrintWriter out;
    private final Map<String, Long> printed = new HashMap<>();

    AllocEventLines(PrintWriter out) {
        this.out = out;
    }

    /** Prints the events of {@code s} not printed before, prefixed by {@code secs} since the wait began. */
    void print(JobStatus s, long secs) {
        boolean all = s.allocations().size() <= ALL_EVENTS_UP_TO;
        for (JobStatus.Allocation a : s.allocations()) {
            List<AllocEvent> events = a.events();
            long firstOrdinal = a.eventsTotal() - events.size() + 1;
            long done = printed.getOrDefault(a.id(), 0L);
            long missed = firstOrdinal - 1 - done; // more came between two reads than an answer carries
            if (all && missed > 0 && !events.isEmpty())
                out.println(String.format("  %4ds  alloc %s  (%d more event(s): muster alloc status %s)", secs, shortId(a.id()), missed, a.id()));
            for (int i = 0; i < events.size(); i++) {
                long ordinal = firstOrdinal + i;
                if (ordinal <= done) continue;
                AllocEvent e = events.get(i);
                if (all || NOTABLE.contains(e.type()))
                    out.println(String.format("  %4ds  alloc %s  %s", secs, shortId(a.id()), e.message()));
            }
            printed.put(a.id(), Math.max(done, a.eventsTotal()));
        }
    }

    static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }
}
