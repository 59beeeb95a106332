package io.muster.scheduler;

import static io.muster.scheduler.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.job.JobSpec;
import io.muster.types.job.JobType;
import io.muster.types.job.PlacementStrategy;
import io.muster.types.job.ReschedulePolicy;
import io.muster.types.job.TaskGroup;
import io.muster.types.state.AllocStatus;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A job's own timeout: nothing is placed or rescheduled past it, what still runs is stopped, and it is looked at again then. */
class JobDeadlineTest {
    static final long DEADLINE = NOW + 3_000;

    static JobSpec batch(int count, ReschedulePolicy reschedule) {
        TaskGroup g = group("g", count, PlacementStrategy.PACK, 100, 100, JobType.BATCH).withReschedule(reschedule);
        JobSpec j = job("b", JobType.BATCH, g);
        return new JobSpec(j.id(), j.type(), j.priority(), Duration.ofSeconds(3), j.constraints(), j.groups());
    }

    @Test
    void aFailureAfterTheDeadlineIsNotRescheduledAndTheRestIsStopped() {
        InMemoryClusterView v = cluster(2);
        JobSpec job = batch(2, new ReschedulePolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        Plan first = Scheduler.schedule(job, v, ctx(NOW, 1), DEADLINE);
        assertEquals(2, first.placements().size());
        assertEquals(OptionalLong.of(DEADLINE), first.nextEvaluationAtMillis(), "evaluated again at the deadline");
        v.apply(first, NOW);
        String failed = first.placements().get(0).allocId();
        String running = first.placements().get(1).allocId();
        v.putAlloc(v.alloc(failed).withStatus(AllocStatus.FAILED, NOW + 1_000));
        v.putAlloc(v.alloc(running).withStatus(AllocStatus.RUNNING, NOW + 1_000));

        // Before the deadline the failure is rescheduled as usual.
        Plan before = Scheduler.schedule(job, v, ctx(NOW + 2_000, 1), DEADLINE);
        assertEquals(1, before.placements().size());

        // At the deadline: no placement at all, the live allocation stopped with the job's reason, nothing to wait for.
        Plan after = Scheduler.schedule(job, v, ctx(DEADLINE, 1), DEADLINE);
        assertEquals(List.of(), after.placements());
        assertEquals(List.of(new Stop(running, StopReason.JOB_DEADLINE, "job timed out after 3s")), after.stops());
        assertEquals("job timed out after 3s", after.stops().getFirst().text());
        assertEquals(List.of(), after.failures());
        assertEquals(OptionalLong.empty(), after.nextEvaluationAtMillis());
    }

    @Test
    void aBackoffEndingPastTheDeadlineWaitsOnlyForTheDeadline() {
        InMemoryClusterView v = cluster(1);
        JobSpec job = batch(1, new ReschedulePolicy(1, Duration.ofSeconds(60), Duration.ofSeconds(60)));
        Plan first = Scheduler.schedule(job, v, ctx(NOW, 1), DEADLINE);
        v.apply(first, NOW);
        v.putAlloc(v.alloc(first.placements().get(0).allocId()).withStatus(AllocStatus.FAILED, NOW + 500));
        Plan waiting = Scheduler.schedule(job, v, ctx(NOW + 600, 1), DEADLINE);
        assertTrue(waiting.placements().isEmpty());
        assertEquals(OptionalLong.of(DEADLINE), waiting.nextEvaluationAtMillis());
        assertTrue(Scheduler.schedule(job, v, ctx(NOW + 61_000, 1), DEADLINE).isNoOp(), "the reschedule due at +60s never comes");
    }

    @Test
    void aFinishedJobAsksForNoEvaluationAtItsDeadline() {
        InMemoryClusterView v = cluster(1);
        JobSpec job = batch(1, ReschedulePolicy.defaultFor(JobType.BATCH));
        Plan first = Scheduler.schedule(job, v, ctx(NOW, 1), DEADLINE);
        v.apply(first, NOW);
        v.putAlloc(v.alloc(first.placements().get(0).allocId()).withStatus(AllocStatus.COMPLETE, NOW + 500));
        Plan done = Scheduler.schedule(job, v, ctx(NOW + 600, 1), DEADLINE);
        assertTrue(done.isNoOp(), done.toString());
        assertEquals(OptionalLong.empty(), done.nextEvaluationAtMillis(), "a complete job must not read as running until its deadline");
    }
}
