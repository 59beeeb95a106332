package io.muster.loadtest;

import io.grpc.Status;
import io.muster.loadtest.sim.Metrics.Count;
import io.muster.loadtest.sim.SimWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/**
 * Registers N workers as fast as the cluster allows with bounded concurrency. Keys and CSRs are made first
 * (each real worker makes its own on its own machine, so that cost is not the cluster's); the clock for
 * the registration figures starts after them.
 */
final class JoinPhase implements Phase {
    private final LoadTestRun run;
    private final String name;
    private final int count;
    private final boolean warmup;
    private final AtomicInteger keys = new AtomicInteger();
    private final AtomicInteger ready = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    /** How long a refused join waits for the registrations still in flight before it ends the run. */
    private static final Duration IN_FLIGHT_GRACE = Duration.ofSeconds(10);
    /** Register calls made in this phase (each completes when the call answers); touched by the joining thread only. */
    private final List<CompletableFuture<Void>> started = new ArrayList<>();
    private volatile long t0;

    JoinPhase(LoadTestRun run) {
        this(run, "join", run.settings.workers(), false);
    }

    /**
     * A warm-up join: {@code count} workers register and heartbeat, then leave, so that the servers' JIT has
     * compiled the registration path before the measured join (a production cluster is warm).
     */
    static JoinPhase warmup(LoadTestRun run) {
        return new JoinPhase(run, "warmup", run.settings.warmupWorkers(), true);
    }

    private JoinPhase(LoadTestRun run, String name, int count, boolean warmup) {
        this.run = run;
        this.name = name;
        this.count = count;
        this.warmup = warmup;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        return String.format("register %,d workers (%d Register calls in flight at most) through %d server(s)%s", count, run.settings.joinConcurrency(),
                run.servers.size(), warmup ? ", then let them leave (JIT warm-up, not measured)" : "");
    }

    @Override
    public String status() {
        int n = count;
        if (t0 == 0) return String.format("generating keys %,d/%,d", keys.get(), n);
        double secs = (System.nanoTime() - t0) / 1e9;
        long reg = run.metrics.get(Count.REGISTERED);
        return String.format("registered %,d/%,d  ready %,d  failed %d  %.0f reg/s  p99 %.0f ms  %.1f s", reg, n, ready.get(), failed.get(),
                reg / Math.max(secs, 1e-3), run.sampler.phaseLatency(io.muster.loadtest.sim.Metrics.Latency.REGISTER).p99Ms(), secs);
    }

    @Override
    public void run(Map<String, Object> f) {
        int n = count;
        long registered0 = run.metrics.get(Count.REGISTERED);
        f.put("workers", n);
        f.put("concurrency", run.settings.joinConcurrency());
        long k0 = System.nanoTime();
        List<SimWorker> workers = new ArrayList<>(n);
        for (int from = 0; from < n; from += 1000) {
            run.checkAbort();
            // In slices so that Ctrl-C and the deadline are honoured while 10,000 keys are made.
            workers.addAll(IntStream.range(from, Math.min(n, from + 1000)).parallel().mapToObj(i -> {
                SimWorker w = run.fleet.newWorker();
                keys.incrementAndGet();
                return w;
            }).toList());
        }
        f.put("keygen_secs", Sampler.round((System.nanoTime() - k0) / 1e9));

        Duration limit = Duration.ofSeconds(Math.max(180, n / 10)); // a guard against hangs, not a target
        long deadline = System.nanoTime() + limit.toNanos();
        Semaphore slots = new Semaphore(run.settings.joinConcurrency());
        AtomicReference<Throwable> fatal = new AtomicReference<>();
        AtomicLong lastReady = new AtomicLong();
        started.clear();
        t0 = System.nanoTime();
        for (SimWorker w : workers) {
            while (!acquire(slots)) {
                checkFatal(fatal);
                LoadTestRun.deadline(deadline, "joining " + n + " workers", limit);
            }
            checkFatal(fatal);
            // The bound is on Register calls in flight; connecting and the first heartbeat follow on their own.
            run.fleet.join(w);
            started.add(w.registered());
            w.registered().whenComplete((v, e) -> slots.release());
            w.readyOrFailed().whenComplete((v, e) -> {
                if (e == null) {
                    ready.incrementAndGet();
                    lastReady.set(System.nanoTime());
                } else {
                    failed.incrementAndGet();
                    Status.Code c = Status.fromThrowable(e).getCode();
                    if (c == Status.Code.PERMISSION_DENIED || c == Status.Code.UNAUTHENTICATED || c == Status.Code.INVALID_ARGUMENT)
                        fatal.compareAndSet(null, e);
                }
            });
        }
        while (ready.get() + failed.get() < n) {
            checkFatal(fatal);
            LoadTestRun.deadline(deadline, "joining " + n + " workers", limit);
            run.sleep(20);
        }
        checkFatal(fatal);
        long registered = run.metrics.get(Count.REGISTERED) - registered0;
        double regSecs = (run.fleet.lastRegisteredNanos() - t0) / 1e9;
        double readySecs = (lastReady.get() - t0) / 1e9;
        f.put("registered", registered);
        f.put("ready", ready.get());
        f.put("failed", failed.get());
        f.put("registration_secs", Sampler.round(regSecs));
        f.put("ready_secs", Sampler.round(readySecs));
        f.put("registrations_per_sec", Sampler.round(registered / Math.max(regSecs, 1e-3)));
        if (warmup) {
            for (SimWorker w : workers) w.stop(SimWorker.State.LEFT);
            f.put("left", workers.size());
            run.sleep(3000); // let the servers settle before the measured join
            return;
        }
        run.summary.put("workers_registered", registered);
        run.summary.put("workers_ready", ready.get());
        run.summary.put("registration_secs", Sampler.round(regSecs));
        run.summary.put("all_ready_secs", Sampler.round(readySecs));
        run.summary.put("registrations_per_sec", Sampler.round(registered / Math.max(regSecs, 1e-3)));
        if (failed.get() > 0) {
            String msg = failed.get() + " of " + n + " workers could not join (see errors_by_status)";
            if (failed.get() > n / 100) throw new RunAborted(msg);
            f.put("warning", msg);
        }
    }

    private static boolean acquire(Semaphore s) {
        try {
            return s.tryAcquire(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunAborted("interrupted");
        }
    }

    private void checkFatal(AtomicReference<Throwable> fatal) {
        run.checkAbort();
        Throwable e = fatal.get();
        if (e == null) return;
        // Registrations already in flight may still be accepted (the refusals and the acceptances of one Raft
        // entry arrive together): let them finish, briefly, so the report counts every worker that did register.
        try {
            CompletableFuture.allOf(started.stream().map(f -> f.exceptionally(x -> null)).toArray(CompletableFuture[]::new))
                    .get(IN_FLIGHT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
            // report what finished
        }
        Status st = Status.fromThrowable(e);
        String d = st.getDescription() == null ? st.getCode().name() : st.getDescription();
        String hint = d.contains("no uses left")
                ? " — the token ran out after " + run.metrics.get(Count.REGISTERED) + " registrations; " + run.tooFewUses(run.claims.tokenId(), 0,
                run.settings.registrationsNeeded())
                : "";
        throw new RunAborted("the cluster refused a registration (" + st.getCode() + "): " + d + hint);
    }
}
