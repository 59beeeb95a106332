package io.muster.types.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OneShotJobsTest {

    @Test
    void allTargetsEveryNodeOnce() {
        JobSpec spec = OneShotJobs.forTarget("all", List.of("uname", "-a"), "cmd-1");
        assertEquals(JobType.SYSBATCH, spec.type());
        assertEquals("cmd-1", spec.id());
        assertEquals(List.of(), spec.constraints());
        TaskGroup g = spec.groups().get(0);
        assertEquals(1, g.count());
        assertEquals(0, g.restart().attempts());
        assertEquals(0, g.reschedule().attempts());
        TaskSpec t = g.tasks().get(0);
        assertEquals(Driver.EXEC, t.driver());
        assertEquals("uname", t.command());
        assertEquals(List.of("-a"), t.args());
        assertEquals(spec, JobSpecJson.fromJson(JobSpecJson.toJson(spec)));
    }

    @Test
    void groupTargetConstrainsOnTheGroupLabel() {
        JobSpec spec = OneShotJobs.forTarget("group:edge-eu", List.of("df"), "cmd-2");
        assertEquals(JobType.SYSBATCH, spec.type());
        assertEquals(List.of(Constraint.of("label.group", "=", "edge-eu")), spec.constraints());
        assertEquals(List.of(), spec.groups().get(0).tasks().get(0).args());
    }

    @Test
    void nodeTargetIsABatchJobPinnedByNodeId() {
        JobSpec spec = OneShotJobs.forTarget("node:42", List.of("reboot"), "cmd-3");
        assertEquals(JobType.BATCH, spec.type());
        assertEquals(List.of(Constraint.of("node.id", "=", "42")), spec.constraints());
        assertEquals(1, spec.groups().get(0).count());
    }

    @Test
    void badInputsAreClearErrors() {
        assertEquals("target: unknown target 'everything'; expected all, group:NAME or node:ID",
                assertThrows(JobSpecException.class,
                        () -> OneShotJobs.forTarget("everything", List.of("x"), "j")).getMessage());
        assertEquals("target: 'node:web-1': node id must be a non-negative integer",
                assertThrows(JobSpecException.class,
                        () -> OneShotJobs.forTarget("node:web-1", List.of("x"), "j")).getMessage());
        assertTrue(assertThrows(JobSpecException.class,
                () -> OneShotJobs.forTarget("group:", List.of("x"), "j")).getMessage().startsWith("target: "));
        assertEquals("command: must name a program to run", assertThrows(JobSpecException.class,
                () -> OneShotJobs.forTarget("all", List.of(), "j")).getMessage());
        JobSpecException badId = assertThrows(JobSpecException.class,
                () -> OneShotJobs.forTarget("all", List.of("x"), "Bad Id"));
        assertEquals("id", badId.errors().get(0).path());
    }
}
