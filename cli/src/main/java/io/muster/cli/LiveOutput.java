package io.muster.cli;

import io.muster.client.JobStatus;
import io.muster.client.LogEvent;
import io.muster.client.MusterApiException;
import io.muster.client.MusterClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code job run -t ... --wait -- CMD}: the command's output as it comes, from every allocation as soon as it is seen
 * (each followed on its own thread), prefixed by {@code node: } when the target can match several nodes.
 */
final class LiveOutput {
    private final MusterClient client;
    private final LogPrinter printer;
    private final Set<String> followed = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Map<Long, String> names = new ConcurrentHashMap<>();

    LiveOutput(MusterClient client, Cli cli, boolean prefixed) {
        this.client = client;
        this.printer = new LogPrinter(cli.out, cli.err, false, prefixed ? e -> name(e) + ": " : null);
    }

    /** Starts following the allocations of {@code s} not followed yet. */
    void seen(JobStatus s) {
        for (JobStatus.Allocation a : s.allocations()) {
            if (!followed.add(a.id())) continue;
            Thread t = Thread.ofVirtual().name("follow-" + a.id()).start(() -> follow(a.id()));
            threads.add(t);
        }
    }

    private void follow(String allocId) {
        try {
            client.streamLogs("/v1/allocations/" + MusterClient.seg(allocId) + "/logs?follow=true&stream=both&tail=all", printer::print);
        } catch (MusterApiException e) {
            printer.print(new LogEvent(allocId, null, null, null, new byte[0], 0, true, e.getMessage(), false));
        }
    }

    /** Waits up to {@code max} for every follow to end (each ends after its task's last bytes). */
    void finish(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0 || !t.join(Duration.ofNanos(left))) break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private String name(LogEvent e) {
        long id;
        try {
            id = Long.parseLong(e.nodeId());
        } catch (NumberFormatException | NullPointerException x) {
            return String.valueOf(e.nodeId());
        }
        return names.computeIfAbsent(id, k -> {
            try {
                var n = client.node(Long.toString(k));
                String label = n.labels() == null ? null : n.labels().get("name");
                return label != null && !label.isBlank() ? label : n.hostname() != null && !n.hostname().isBlank() ? n.hostname() : Long.toString(k);
            } catch (MusterApiException x) {
                return Long.toString(k);
            }
        });
    }
}
