package io.muster.types.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.yaml.Suggestions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PoliciesTest {

    @Test
    void backoffDoublesFromDelayUpToMaxDelay() {
        ReschedulePolicy p = new ReschedulePolicy(10, Duration.ofSeconds(5), Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(5), p.delayBefore(1));
        assertEquals(Duration.ofSeconds(10), p.delayBefore(2));
        assertEquals(Duration.ofSeconds(20), p.delayBefore(3));
        assertEquals(Duration.ofSeconds(30), p.delayBefore(4));
        assertEquals(Duration.ofSeconds(30), p.delayBefore(1000));
        RestartPolicy r = new RestartPolicy(3, Duration.ofSeconds(15), Duration.ofMinutes(5), RestartMode.FAIL);
        assertEquals(Duration.ofSeconds(60), r.delayBefore(3));
    }

    @Test
    void rescheduleAttemptSemantics() {
        assertTrue(ReschedulePolicy.defaultFor(JobType.SERVICE).allowsAnother(1_000_000));
        ReschedulePolicy never = new ReschedulePolicy(0, Duration.ZERO, Duration.ZERO);
        assertFalse(never.allowsAnother(0));
        ReschedulePolicy once = ReschedulePolicy.defaultFor(JobType.BATCH);
        assertTrue(once.allowsAnother(0));
        assertFalse(once.allowsAnother(1));
    }

    @Test
    void suggestionsCatchTyposButNotStrangers() {
        assertEquals("command", Suggestions.closest("comand", TaskReader.TASK_KEYS));
        assertEquals("resources", Suggestions.closest("resouces", TaskReader.TASK_KEYS));
        assertEquals("max_delay", Suggestions.closest("max_dleay", PolicyReader.RESTART_KEYS));
        assertEquals(null, Suggestions.closest("banana", TaskReader.TASK_KEYS));
    }
}
