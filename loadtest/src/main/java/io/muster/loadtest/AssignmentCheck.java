package io.muster.loadtest;

import io.muster.client.JobStatus;
import io.muster.client.MusterClient;
import io.muster.loadtest.sim.SimWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares what the workers hold with what the API says they should run. Deliveries may still be in flight,
 * so it re-checks until the two agree or the settle time runs out, and reports the last comparison.
 *
 * <ul>
 *   <li>lost: the API places a live allocation on a live simulated worker that does not hold it</li>
 *   <li>misplaced: a worker holds an allocation the API places on another node</li>
 *   <li>multi_held: one allocation held by more than one worker</li>
 *   <li>unexpected: a worker holds an allocation the API no longer runs (its Delete has not arrived)</li>
 * </ul>
 */
final class AssignmentCheck {
    record Result(long expected, long held, long lost, long misplaced, long multiHeld, long unexpected, long onDepartedWorkers,
                  int rounds, List<String> examples) {
        boolean clean() {
            return lost == 0 && misplaced == 0 && multiHeld == 0 && unexpected == 0;
        }

        void into(Map<String, Object> f, String prefix) {
            f.put(prefix + "expected", expected);
            f.put(prefix + "held", held);
            f.put(prefix + "lost", lost);
            f.put(prefix + "misplaced", misplaced);
            f.put(prefix + "multi_held", multiHeld);
            f.put(prefix + "unexpected", unexpected);
            f.put(prefix + "on_departed_workers", onDepartedWorkers);
            f.put(prefix + "check_rounds", rounds);
            if (!examples.isEmpty()) f.put(prefix + "examples", examples);
        }
    }

    private AssignmentCheck() {}

    /** The run's summary keeps the worst check: a loss seen once is reported even if a later check is clean. */
    static synchronized void summarize(LoadTestRun run, Result r) {
        run.summary.merge("lost_assignments", r.lost(), (a, b) -> Math.max((Long) a, (Long) b));
        run.summary.merge("misplaced_or_multi_held_assignments", r.misplaced() + r.multiHeld(), (a, b) -> Math.max((Long) a, (Long) b));
        run.summary.merge("unexpected_assignments", r.unexpected(), (a, b) -> Math.max((Long) a, (Long) b));
    }

    static Result run(LoadTestRun run, Duration settle) {
        MusterClient api = run.requireApi("the assignment check");
        long deadline = System.nanoTime() + settle.toNanos();
        Result r;
        int rounds = 0;
        do {
            rounds++;
            r = once(run, api, rounds);
            if (r.clean()) break;
            run.sleep(2000);
        } while (System.nanoTime() < deadline);
        return r;
    }

    private static Result once(LoadTestRun run, MusterClient api, int round) {
        Map<Long, SimWorker> live = new HashMap<>();
        Set<Long> departed = new HashSet<>();
        for (SimWorker w : run.fleet.workers()) {
            if (w.nodeId() == 0) continue;
            if (w.state() == SimWorker.State.READY) live.put(w.nodeId(), w);
            else departed.add(w.nodeId());
        }
        Map<String, Long> expectedOn = new HashMap<>();
        long onDeparted = 0;
        for (String job : run.jobIds) {
            run.checkAbort();
            for (JobStatus.Allocation a : api.jobStreamed(job).allocations()) {
                if (!live(a)) continue;
                long nodeId = a.nodeId();
                if (live.containsKey(nodeId)) expectedOn.put(a.id(), nodeId);
                else if (departed.contains(nodeId)) onDeparted++;
            }
        }
        Map<String, Long> heldBy = new HashMap<>();
        long held = 0;
        long misplaced = 0;
        long multi = 0;
        long unexpected = 0;
        List<String> examples = new ArrayList<>();
        for (SimWorker w : live.values()) {
            for (String id : w.held()) {
                held++;
                Long prev = heldBy.putIfAbsent(id, w.nodeId());
                if (prev != null) {
                    multi++;
                    example(examples, "allocation " + id + " held by nodes " + prev + " and " + w.nodeId());
                }
                Long want = expectedOn.get(id);
                if (want == null) unexpected++;
                else if (want != w.nodeId()) {
                    misplaced++;
                    example(examples, "allocation " + id + " held by node " + w.nodeId() + " but placed on node " + want);
                }
            }
        }
        long lost = 0;
        for (Map.Entry<String, Long> e : expectedOn.entrySet()) {
            Long h = heldBy.get(e.getKey());
            if (h == null || !h.equals(e.getValue())) {
                lost++;
                example(examples, "allocation " + e.getKey() + " placed on node " + e.getValue() + " is not held by it");
            }
        }
        return new Result(expectedOn.size(), held, lost, misplaced, multi, unexpected, onDeparted, round, examples);
    }

    /** Meant to run and not yet ended: a worker should hold it. */
    static boolean live(JobStatus.Allocation a) {
        return "run".equals(a.desired()) && ("pending".equals(a.status()) || "running".equals(a.status()));
    }

    private static void example(List<String> examples, String s) {
        if (examples.size() < 5) examples.add(s);
    }
}
