package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.worker.driver.TaskResult;
import io.muster.worker.alloc.RestartPolicy.Decision;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {
    private static final boolean BATCH = true;
    private static final boolean SERVICE = false;

    private static TaskResult exited(int code) {
        return new TaskResult(TaskResult.Outcome.EXITED, code, "exited with code " + code, Instant.EPOCH, Instant.EPOCH);
    }

    private static TaskResult outcome(TaskResult.Outcome outcome) {
        return new TaskResult(outcome, TaskResult.UNKNOWN_EXIT_CODE, outcome.name(), Instant.EPOCH, Instant.EPOCH);
    }

    @Test
    void defaultsFollowTheJobSpec() {
        assertEquals(new RestartPolicy(3, Duration.ofSeconds(15), Duration.ofMinutes(5), false), RestartPolicy.of(null, BATCH));
        assertEquals(new RestartPolicy(2, Duration.ofSeconds(15), Duration.ofMinutes(5), false), RestartPolicy.of(null, SERVICE));
        assertEquals(new RestartPolicy(2, Duration.ofSeconds(15), Duration.ofMinutes(5), true),
                RestartPolicy.of(new GroupSpec.Restart(null, null, null, "delay"), SERVICE));
    }

    @Test
    void delaysDoubleUpToTheMaximum() {
        RestartPolicy p = new RestartPolicy(10, Duration.ofSeconds(15), Duration.ofMinutes(1), false);
        assertEquals(Duration.ofSeconds(15), p.delayBefore(1));
        assertEquals(Duration.ofSeconds(30), p.delayBefore(2));
        assertEquals(Duration.ofSeconds(60), p.delayBefore(3));
        assertEquals(Duration.ofSeconds(60), p.delayBefore(4));
        assertEquals(Duration.ofSeconds(60), p.delayBefore(100));
    }

    @Test
    void batchTasksRestartOnlyOnFailure() {
        RestartPolicy p = new RestartPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(10), false);
        assertEquals(new Decision.Finish(true), p.decide(exited(0), 0, BATCH));
        assertEquals(new Decision.Restart(Duration.ofSeconds(1)), p.decide(exited(1), 0, BATCH));
        assertEquals(new Decision.Restart(Duration.ofSeconds(2)), p.decide(outcome(TaskResult.Outcome.TIMED_OUT), 1, BATCH));
        assertEquals(new Decision.Finish(false), p.decide(exited(1), 2, BATCH));
    }

    @Test
    void servicesRestartOnAnyExit() {
        RestartPolicy p = new RestartPolicy(1, Duration.ZERO, Duration.ZERO, false);
        assertEquals(new Decision.Restart(Duration.ZERO), p.decide(exited(0), 0, SERVICE));
        assertEquals(new Decision.Finish(true), p.decide(exited(0), 1, SERVICE));
        assertEquals(new Decision.Finish(false), p.decide(exited(2), 1, SERVICE));
    }

    @Test
    void delayModeKeepsRestartingEveryMaxDelayButNeverInATightLoop() {
        RestartPolicy p = new RestartPolicy(1, Duration.ofSeconds(5), Duration.ofSeconds(20), true);
        assertEquals(new Decision.Restart(Duration.ofSeconds(20)), p.decide(exited(1), 1, BATCH));
        assertEquals(new Decision.Restart(Duration.ofSeconds(20)), p.decide(exited(1), 50, BATCH));
        RestartPolicy zero = new RestartPolicy(0, Duration.ZERO, Duration.ZERO, true);
        assertEquals(new Decision.Restart(RestartPolicy.MIN_ENDLESS_DELAY), zero.decide(exited(1), 0, BATCH));
    }

    @Test
    void anUnknownExitCodeOrALostTaskIsNotASuccess() {
        RestartPolicy p = new RestartPolicy(0, Duration.ZERO, Duration.ZERO, false);
        assertEquals(new Decision.Finish(false), p.decide(exited(TaskResult.UNKNOWN_EXIT_CODE), 0, BATCH));
        assertEquals(new Decision.Finish(false), p.decide(outcome(TaskResult.Outcome.LOST), 0, BATCH));
        assertEquals(new Decision.Finish(false), p.decide(outcome(TaskResult.Outcome.FAILED_TO_START), 0, BATCH));
    }
}
