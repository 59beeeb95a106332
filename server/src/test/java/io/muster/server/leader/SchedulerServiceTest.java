package io.muster.server.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.SetNodeEligibility;
import io.muster.scheduler.AllocMetric;
import io.muster.scheduler.Placement;
import io.muster.scheduler.PlacementFailure;
import io.muster.scheduler.Plan;
import io.muster.scheduler.Resources;
import io.muster.scheduler.Stop;
import io.muster.scheduler.StopReason;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.testkit.AppliedState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler against a state machine without Raft: proposals go to a fake whose futures the test completes by
 * hand (applying the command first, as a commit would), and the scheduler's tasks run when the test says so.
 */
class SchedulerServiceTest {
    private static final long NOW = 1_000_000;

    /** Runs the scheduler's tasks on the test thread, when asked. */
    static final class ManualRunner implements SchedulerService.Runner {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        final List<Runnable> delayed = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        @Override
        public void schedule(Runnable task, long delayMillis) {
            delayed.add(task);
        }

        void runAll() {
            for (int i = 0; !tasks.isEmpty(); i++) {
                if (i > 10_000) throw new AssertionError("the scheduler does not settle");
                tasks.poll().run();
            }
        }

        void runDelayed() {
            List<Runnable> due = List.copyOf(delayed);
            delayed.clear();
            due.forEach(Runnable::run);
            runAll();
        }
    }

    /** A proposal whose outcome the test decides. */
    record Proposal(Command command, CompletableFuture<CommandResult> future) {
        ApplyPlan plan() {
            return command.getApplyPlan();
        }
    }

    private final AppliedState s = new AppliedState();
    private final ManualRunner runner = new ManualRunner();
    private final List<Proposal> proposals = new ArrayList<>();
    private SchedulerService scheduler;

    private SchedulerService start(int maxPlacementsPerEntry) {
        scheduler = new SchedulerService(s.state, c -> {
            Proposal p = new Proposal(c.setProposedUnixMs(NOW).build(), new CompletableFuture<>());
            proposals.add(p);
            return p.future();
        }, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), runner, maxPlacementsPerEntry);
        scheduler.startLeading(1);
        return scheduler;
    }

    @AfterEach
    void close() {
        if (scheduler != null) scheduler.close();
    }

    private List<Proposal> inFlight() {
        return proposals.stream().filter(p -> !p.future().isDone()).toList();
    }

    /** The one proposal in flight, which must exist. */
    private Proposal theInFlight() {
        List<Proposal> f = inFlight();
        assertEquals(1, f.size(), "proposals in flight");
        return f.get(0);
    }

    /** Commits the proposal: the state machine applies it, then its future completes with the result. */
    private CommandResult commit(Proposal p) {
        CommandResult r = s.apply(p.command());
        p.future().complete(r);
        runner.runAll();
        return r;
    }

    /** Commits whatever is proposed until nothing is in flight. */
    private void commitAll() {
        runner.runAll();
        for (int i = 0; !inFlight().isEmpty(); i++) {
            if (i > 1_000) throw new AssertionError("proposals never stop");
            commit(theInFlight());
        }
    }

    private void assertOneLivePerSlot(String job, int count) {
        List<AllocRecord> live = s.live(job);
        Set<String> slots = new HashSet<>();
        for (AllocRecord a : live) assertTrue(slots.add(a.group() + "/" + a.index()), "two live allocations in slot " + a.index());
        assertEquals(count, live.size(), "live allocations of " + job);
    }

    @Test
    void noReEvaluationWhileAPlanIsInFlightSoASlowCommitMakesNoDuplicates() {
        s.readyNodes(4, 16_000, 65_536);
        start(10_000);
        s.registerJob("web", "service", 10, 10, 10);
        runner.runAll();
        Proposal first = theInFlight();
        assertEquals(10, first.plan().getPlaceCount());

        // The commit is slow. Meanwhile everything that asks for an evaluation of the job asks again, and time passes.
        for (int i = 0; i < 5; i++) {
            scheduler.jobChanged("web");
            runner.runAll();
            runner.runDelayed();
        }
        s.readyNodes(1, 16_000, 65_536); // new capacity: another trigger
        runner.runAll();
        assertEquals(1, proposals.size(), "nothing is planned while the plan is in flight");
        assertTrue(s.state.allocsOfJob("web").isEmpty());

        // It commits: the coalesced evaluation runs after it and sees its placements, so it has nothing to do.
        commit(first);
        commitAll();
        assertEquals(1, proposals.size());
        assertOneLivePerSlot("web", 10);
        assertEquals(10, s.state.allocsOfJob("web").size());
        assertEquals(1, scheduler.plansCommitted());
        assertEquals(10, scheduler.placementsCommitted());
    }

    @Test
    void aPlanWhoseProposalFailedButCommitsLateMakesNoDuplicates() {
        s.readyNodes(4, 16_000, 65_536);
        start(10_000);
        s.registerJob("web", "service", 10, 10, 10);
        runner.runAll();
        Proposal lost = theInFlight();

        // The proposer gives up (outcome unknown); the job is evaluated again after a pause and planned anew.
        lost.future().completeExceptionally(new IllegalStateException("no quorum"));
        runner.runAll();
        assertTrue(inFlight().isEmpty());
        runner.runDelayed();
        Proposal again = theInFlight();
        assertEquals(10, again.plan().getPlaceCount());

        // The first entry was in the log after all and commits before the second: the second places nothing.
        assertEquals("10", s.apply(lost.command()).getValue());
        assertEquals("0", commit(again).getValue());
        commitAll(); // the skipped placements bring the job back once, to clear its due time
        assertOneLivePerSlot("web", 10);
        assertEquals(10, s.state.allocsOfJob("web").size());
        assertEquals(0, s.state.job("web").orElseThrow().nextEvalAt());
    }

    @Test
    void aLargePlanArrivesAsSeveralEntriesInOrderAndPlacesEverything() {
        // 4 nodes with room for 3 each: 12 of 14 fit, 2 stay unplaced.
        s.readyNodes(4, 30, 65_536);
        start(5);
        s.registerJob("web", "service", 14, 10, 10);
        runner.runAll();

        List<Integer> sizes = new ArrayList<>();
        while (!inFlight().isEmpty()) {
            Proposal p = theInFlight();
            sizes.add(p.plan().getPlaceCount());
            // Evaluations asked for between entries wait for the whole plan.
            scheduler.jobChanged("web");
            runner.runAll();
            assertEquals(1, inFlight().size());
            assertTrue(p.command().getApplyPlan().getPlaceCount() <= 5);
            assertEquals(1, p.plan().getFailuresCount(), "every entry carries the plan's failures");
            assertTrue(commit(p).getOk());
            if (sizes.size() == 3) break;
        }
        assertEquals(List.of(5, 5, 2), sizes);
        commitAll();
        assertEquals(3, proposals.size(), "after the last entry the job's record matches its plan: nothing more to do");
        assertOneLivePerSlot("web", 12);
        JobRecord job = s.state.job("web").orElseThrow();
        assertEquals(1, job.failures().size());
        assertEquals(2, job.failures().get(0).unplaced());
        assertEquals(0, job.nextEvalAt());
        assertEquals(3, scheduler.plansCommitted());
        assertEquals(12, scheduler.placementsCommitted());
    }

    @Test
    void placementsAnEarlierEntrySkippedAreEvaluatedAgain() {
        List<Long> nodes = s.readyNodes(2, 16_000, 65_536);
        start(4);
        s.registerJob("web", "service", 12, 10, 10);
        runner.runAll();
        commit(theInFlight());
        // The nodes become ineligible for the second entry only: all its placements are skipped.
        for (long n : nodes) s.apply(Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(n).setEligible(false)));
        assertEquals("0", commit(theInFlight()).getValue());
        for (long n : nodes) s.apply(Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(n).setEligible(true)));
        Proposal last = theInFlight();
        assertEquals(NOW, last.plan().getPlannedUnixMs());
        assertEquals(NOW, last.plan().getNextEvalUnixMs(), "the last entry keeps the job due, as one entry would have");
        assertEquals("4", commit(last).getValue());
        assertEquals(NOW, s.state.job("web").orElseThrow().nextEvalAt());

        commitAll();
        assertOneLivePerSlot("web", 12);
        assertEquals(0, s.state.job("web").orElseThrow().nextEvalAt());
    }

    @Test
    void aStaleEntryEndsTheEvaluationAndTheJobIsEvaluatedAgain() {
        s.readyNodes(4, 16_000, 65_536);
        start(4);
        long v1 = s.registerJob("web", "service", 10, 10, 10);
        runner.runAll();
        commit(theInFlight());
        Proposal second = theInFlight();
        assertEquals(v1, second.plan().getJobVersion());

        long v2 = s.registerJob("web", "service", 10, 20, 10); // updated while the plan is being committed
        runner.runAll();
        CommandResult stale = commit(second);
        assertFalse(stale.getOk());
        assertEquals("STALE_PLAN", stale.getErrorCode());

        // The rest of the old plan is dropped; the new version is planned from scratch.
        Proposal next = theInFlight();
        assertEquals(v2, next.plan().getJobVersion());
        commitAll();
        assertTrue(proposals.stream().skip(2).allMatch(p -> p.plan().getJobVersion() == v2));
        assertOneLivePerSlot("web", 10);
        assertTrue(s.live("web").stream().allMatch(a -> a.jobVersion() == v2));
    }

    @Test
    void entriesSplitPlacementsWithStopsInTheFirstAndTheOutcomeInEach() {
        JobRecord job = new JobRecord("web", "service", "{}", 3, 1, false, List.of(), 0, 7, null);
        List<Placement> placements = new ArrayList<>();
        for (int i = 0; i < 7; i++) placements.add(new Placement("p" + i, "web", "g", i, 1, new Resources(10, 10), 0, null));
        Plan plan = new Plan("web", placements, List.of(new Stop("s1", StopReason.MIGRATING), new Stop("s2", StopReason.NODE_LOST)),
                List.of(new PlacementFailure("g", 2, new AllocMetric(5, 0, 5, Map.of(AllocMetric.CPU_EXHAUSTED, 5)))), OptionalLong.of(9_000));

        List<ApplyPlan> entries = SchedulerService.entries(job, plan, 9_000, NOW, 3);
        assertEquals(List.of(3, 3, 1), entries.stream().map(ApplyPlan::getPlaceCount).toList());
        assertEquals(List.of(2, 0, 0), entries.stream().map(ApplyPlan::getStopCount).toList());
        List<String> ids = entries.stream().flatMap(e -> e.getPlaceList().stream()).map(p -> p.getAllocId()).toList();
        assertEquals(List.of("p0", "p1", "p2", "p3", "p4", "p5", "p6"), ids);
        for (ApplyPlan e : entries) {
            assertEquals(3, e.getJobVersion());
            assertEquals(9_000, e.getNextEvalUnixMs());
            assertEquals(NOW, e.getPlannedUnixMs());
            assertEquals(1, e.getFailuresCount());
            assertEquals(2, e.getFailures(0).getUnplaced());
        }
        // Nothing to place is still one entry (stops, or just the outcome).
        Plan stopsOnly = new Plan("web", List.of(), List.of(new Stop("s1", StopReason.JOB_STOPPED)), List.of(), OptionalLong.empty());
        List<ApplyPlan> one = SchedulerService.entries(job, stopsOnly, 0, NOW, 3);
        assertEquals(1, one.size());
        assertEquals(1, one.get(0).getStopCount());
    }
}
