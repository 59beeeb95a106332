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
    @Test
    void anActionIsAOneStepOperation() {
        ActionCall call = OneShotJobs.parseAction("apt", "install", List.of("package=nginx", "opts=-y=1", "empty="));
        assertEquals(new ActionCall("apt", "install", java.util.Map.of("package", "nginx", "opts", "-y=1", "empty", "")),
                call);
        JobSpec spec = OneShotJobs.action("job-1a2b", OneShotJobs.parseTarget("group:web"), call);
        assertEquals("job-1a2b", spec.id());
        assertEquals(JobType.OPERATION, spec.type());
        assertEquals(JobSpecLimits.DEFAULT_PRIORITY, spec.priority());
        assertEquals(List.of(), spec.groups());
        OperationSpec op = spec.operation();
        assertEquals(new OperationTarget(TargetScope.GROUP, "web"), op.target());
        assertEquals(FailureStrategy.FAIL_FAST, op.strategy());
        assertEquals(0, op.maxConcurrentNodes());
        assertEquals(List.of(new OperationStep(StepCondition.ALWAYS, false,
                List.of(new OperationTask(call, null, 0, null)))), op.steps());
        assertEquals(spec, JobSpecJson.fromJson(JobSpecJson.toJson(spec)));
    }

    @Test
    void actionValidatesTheJobId() {
        JobSpecException e = assertThrows(JobSpecException.class, () -> OneShotJobs.action("Bad Id",
                OperationTarget.ALL, new ActionCall("ping", "echo", java.util.Map.of())));
        assertEquals("id", e.errors().get(0).path());
    }

    @Test
    void targets() {
        assertEquals(OperationTarget.ALL, OneShotJobs.parseTarget("all"));
        assertEquals(new OperationTarget(TargetScope.GROUP, "edge-eu"), OneShotJobs.parseTarget("group:edge-eu"));
        assertEquals(new OperationTarget(TargetScope.NODE, "7"), OneShotJobs.parseTarget("node:7"));
        // Unlike a command job's node:ID, an operation's node may be a hostname or name label.
        assertEquals(new OperationTarget(TargetScope.NODE, "web-1.example"), OneShotJobs.parseTarget("node:web-1.example"));
        assertEquals("group:web", OneShotJobs.parseTarget("group:web").toString());
    }

    @Test
    void badTargetsAreIllegalArgumentsNamingTheProblem() {
        assertEquals("target: unknown target 'everything'; expected all, group:NAME or node:ID",
                assertThrows(IllegalArgumentException.class, () -> OneShotJobs.parseTarget("everything")).getMessage());
        assertEquals("target: unknown target 'all:x'; expected all, group:NAME or node:ID",
                assertThrows(IllegalArgumentException.class, () -> OneShotJobs.parseTarget("all:x")).getMessage());
        assertEquals("target: 'group:': the group must not be empty",
                assertThrows(IllegalArgumentException.class, () -> OneShotJobs.parseTarget("group:")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OneShotJobs.parseTarget("group:a,b"))
                .getMessage().startsWith("target: 'group:a,b': the group must not contain commas"));
        assertEquals("target: 'node: 7': the node must not start or end with spaces",
                assertThrows(IllegalArgumentException.class, () -> OneShotJobs.parseTarget("node: 7")).getMessage());
    }

    @Test
    void badActionWordsAreAllReported() {
        JobSpecException e = assertThrows(JobSpecException.class, () -> OneShotJobs.parseAction("Apt", "install",
                List.of("package", "a b=1", "x=1", "x=2")));
        assertEquals(List.of(
                "backend: 'Apt' is not a valid backend name (lower-case letters, digits, '_' and '-', starting with a "
                        + "letter or digit, at most 63 characters)",
                "params: argument 'package' is not key=value",
                "params: argument 'a b=1' 'a b' is not a valid parameter name (must match "
                        + JobSpecLimits.PARAM_KEY_SYNTAX + ")",
                "params: argument 'x=2' sets 'x' again"),
                e.errors().stream().map(SpecError::toString).toList());
        assertEquals("action", assertThrows(JobSpecException.class,
                () -> OneShotJobs.parseAction("apt", "", List.of())).errors().get(0).path());
        List<String> tooMany = java.util.stream.IntStream.rangeClosed(0, JobSpecLimits.MAX_ACTION_PARAMS)
                .mapToObj(i -> "k" + i + "=v").toList();
        assertEquals("params: at most 64 parameters are allowed, found 65", assertThrows(JobSpecException.class,
                () -> OneShotJobs.parseAction("apt", "install", tooMany)).getMessage());
    }
}
