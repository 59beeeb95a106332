package io.muster.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@link MusterClient#awaitJob} driven by the event stream: reads the job once (its status and the index it was read
 * at), subscribes to the job's events after that index, and reads the job again whenever events arrive (once per burst,
 * not per event). A broken stream is resumed from the last index seen, on the same address (a load balancer may pick
 * another server; any server has the same events), after the job is read again (nothing between is lost).
 */
final class JobEvents {
    /** The server has no event stream (older than it): the caller polls instead. */
    static final class NoEventStream extends RuntimeException {
        /** The job as read before the stream was tried (its index for a blocking query), and its change key. */
        final transient MusterClient.Watched<JobStatus> first;
        final String firstKey;

        NoEventStream(MusterClient.Watched<JobStatus> first, String firstKey) {
            super(null, null, false, false);
            this.first = first;
            this.firstKey = firstKey;
        }
    }

    private static final List<String> TOPICS = List.of("Job", "Allocation", "Operation");
    private static final Duration OUTAGE_LIMIT = Duration.ofMinutes(1);
    private final MusterClient client;
    private final String id;
    private final Instant deadline;
    private final Consumer<JobStatus> onChange;
    private JobStatus last;
    private String lastKey;
    private volatile EventStream open;
    private volatile boolean timedOut;

    JobEvents(MusterClient client, String id, Duration timeout, Consumer<JobStatus> onChange) {
        this.client = client;
        this.id = id;
        this.deadline = timeout == null ? null : Instant.now().plus(timeout);
        this.onChange = onChange;
    }

    JobStatus await() {
        MusterClient.Watched<JobStatus> first = firstRead();
        seen(first.value());
        if (last.isTerminal()) return last;
        long index = first.index();
        this.first = first;
        if (index == 0) throw new NoEventStream(first, lastKey); // no X-Muster-Index: a server from before blocking queries and events
        Thread watchdog = deadline == null ? null : Thread.ofVirtual().start(this::closeAtDeadline);
        try {
            return follow(index, true);
        } finally {
            if (watchdog != null) watchdog.interrupt();
        }
    }

    private MusterClient.Watched<JobStatus> first;

    /** The job and the index it was read at; a leader election or a restarting server is ridden out (up to a minute). */
    private MusterClient.Watched<JobStatus> firstRead() {
        Instant outageSince = null;
        while (true) {
            try {
                return client.watchJob(id, 0, null);
            } catch (MusterApiException e) {
                if (!e.isTransient()) throw e;
                if (outageSince == null) outageSince = Instant.now();
                else if (Duration.between(outageSince, Instant.now()).compareTo(OUTAGE_LIMIT) > 0 || pastDeadline()) throw e;
                pause();
            }
        }
    }

    private JobStatus follow(long index, boolean firstConnect) {
        Instant outageSince = null;
        while (true) {
            if (timedOut || pastDeadline()) return last;
            try {
                try (EventStream es = client.events(EventStream.query(index, TOPICS, id, null))) {
                    open = es;
                    if (timedOut) return last;
                    firstConnect = false;
                    outageSince = null;
                    boolean dirty = false;
                    for (ClusterEvent e; (e = es.next()) != null; ) {
                        index = Math.max(index, e.index());
                        if (e.isChange() || ClusterEvent.GAP.equals(e.type()) || ClusterEvent.LAGGED.equals(e.type())) dirty = true;
                        if (dirty && !es.hasBuffered()) { // a burst of events: read the job once, after the last of them
                            refresh();
                            dirty = false;
                            if (last.isTerminal()) return last;
                        }
                        if (ClusterEvent.LAGGED.equals(e.type())) break; // we read too slowly: subscribe again from its index
                    }
                } finally {
                    open = null;
                }
                if (timedOut || pastDeadline()) return last;
                refresh(); // the stream ended: whatever came after the last line we saw, the job shows it
                if (last.isTerminal()) return last;
            } catch (MusterApiException e) {
                if (timedOut || pastDeadline()) return last;
                if (firstConnect && e.status() == 404) throw new NoEventStream(first, lastKey);
                if (!e.isTransient()) throw e;
                if (outageSince == null) outageSince = Instant.now();
                else if (Duration.between(outageSince, Instant.now()).compareTo(OUTAGE_LIMIT) > 0) throw e;
                pause(); // a leader election, a restarting server: try again shortly
            }
        }
    }

    private void refresh() {
        seen(client.job(id));
    }

    private void seen(JobStatus s) {
        String key = MusterClient.changeKey(s);
        if (!key.equals(lastKey) && onChange != null) onChange.accept(s);
        lastKey = key;
        last = s;
    }

    private boolean pastDeadline() {
        return deadline != null && !Instant.now().isBefore(deadline);
    }

    /** Ends a read waiting for the next line once the deadline passes (the stream would otherwise wait for a heartbeat). */
    private void closeAtDeadline() {
        try {
            Thread.sleep(Duration.between(Instant.now(), deadline).plusMillis(1));
        } catch (InterruptedException e) {
            return;
        } catch (IllegalArgumentException negative) {
            // already past
        }
        timedOut = true;
        EventStream es = open;
        if (es != null) es.close();
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MusterApiException(0, MusterApiException.UNREACHABLE, "interrupted while waiting for a job", e);
        }
    }
}
