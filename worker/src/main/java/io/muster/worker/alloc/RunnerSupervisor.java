package io.muster.worker.alloc;

import io.muster.worker.alloc.AssignmentLedger.Entry;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.state.WorkerState;
import io.muster.worker.state.WorkerState.AllocRecord;
import io.muster.worker.state.WorkerState.TaskRecord;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the {@link AllocRunner}s: makes, starts, stops and detaches them, waits for them, and removes the task
 * directories of forgotten allocations. It exists to keep the side of allocations that touches threads, processes
 * and files apart from the bookkeeping: runners call back into {@link Allocations} holding their own locks, so
 * nothing here may be called while the allocations' monitor is held, except {@link #create} and {@link #forget},
 * which only touch this class's map.
 */
final class RunnerSupervisor {
    private static final Logger log = LoggerFactory.getLogger(RunnerSupervisor.class);

    private final RunnerContext ctx;
    private final AllocRunner.Listener listener;
    private final Map<String, AllocRunner> runners = new ConcurrentHashMap<>();

    RunnerSupervisor(RunnerContext ctx, AllocRunner.Listener listener) {
        this.ctx = ctx;
        this.listener = listener;
    }

    /** Makes the runner of {@code e} (not started yet): cheap, safe under the allocations' lock. */
    void create(Entry e) {
        runners.put(e.id(), new AllocRunner(e.assignment, e.status, List.copyOf(e.tasks.values()), ctx, listener));
    }

    void start(String allocId) {
        AllocRunner r = runners.get(allocId);
        if (r != null) {
            r.start();
        }
    }

    void stop(String allocId, String reason) {
        AllocRunner r = runners.get(allocId);
        if (r != null) {
            r.stop(reason);
        }
    }

    /** The allocation's record is gone: so is its runner (long finished). */
    void forget(String allocId) {
        runners.remove(allocId);
    }

    /** The allocation's runner, or null (never started here, or forgotten). */
    AllocRunner runner(String allocId) {
        return runners.get(allocId);
    }

    /** The tasks' recent output, by task name; empty without a runner. */
    Map<String, OutputBuffer> outputs(String allocId) {
        AllocRunner r = runners.get(allocId);
        return r != null ? r.outputs() : Map.of();
    }

    /** Stops these allocations and waits up to {@code max} for them to end. */
    void stopAndWait(Collection<String> allocIds, String reason, Duration max) {
        List<AllocRunner> stopping = allocIds.stream().map(runners::get).filter(r -> r != null).toList();
        stopping.forEach(r -> r.stop(reason));
        try {
            CompletableFuture.allOf(stopping.stream().map(AllocRunner::done).toArray(CompletableFuture[]::new))
                    .get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("not every allocation stopped within {} s: {}", max.toSeconds(), e.toString());
        }
    }

    /** Every runner stops supervising; the tasks keep running for the next worker process. */
    void detachAll() {
        List.copyOf(runners.values()).forEach(AllocRunner::detach);
    }

    void removeTaskDirs(Collection<String> keys) {
        keys.forEach(key -> removeTaskDir(ctx.allocRoot(), key));
    }

    /**
     * The saved state belongs to another node id (the worker registered anew): its allocations are not this node's
     * to report, so their tasks are stopped and their directories removed, in the background.
     */
    static void abandon(WorkerState stale, RunnerContext ctx) {
        List<AllocRecord> running = stale.allocations().stream()
                .filter(r -> r.status() == null || !AssignmentLedger.isTerminal(r.status().state())).toList();
        log.warn("saved state belongs to node {}, not to this node {}: stopping the {} allocations it still ran",
                stale.nodeId(), ctx.nodeId(), running.size());
        Thread.ofVirtual().name("abandon-node-" + stale.nodeId()).start(() -> {
            for (AllocRecord r : stale.allocations()) {
                List<CompletableFuture<?>> stops = new ArrayList<>();
                for (TaskRecord t : r.tasks()) {
                    TaskDriver driver = ctx.drivers().get(t.driver());
                    if (driver == null) {
                        continue;
                    }
                    try {
                        Optional<TaskHandle> h = driver.recover(t.key());
                        h.ifPresent(handle -> {
                            handle.stop(ctx.stopGrace());
                            stops.add(handle.result());
                        });
                    } catch (RuntimeException e) {
                        log.warn("alloc {}: cannot stop task {} of the old node: {}", r.id(), t.name(), e.toString());
                    }
                }
                try {
                    CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                            .get(ctx.stopGrace().toMillis() + 10_000, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    log.warn("alloc {}: tasks of the old node did not stop in time: {}", r.id(), e.toString());
                }
                r.tasks().forEach(t -> removeTaskDir(ctx.allocRoot(), t.key()));
            }
        });
    }

    /** Deletes a task's directory, only if its key names one directly under the alloc root. */
    static void removeTaskDir(Path allocRoot, String key) {
        try {
            deleteTree(AllocPaths.taskDir(allocRoot, key));
        } catch (IllegalArgumentException e) {
            log.warn("not removing a task directory: {}", e.getMessage());
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", dir, e.toString());
        }
    }
}
