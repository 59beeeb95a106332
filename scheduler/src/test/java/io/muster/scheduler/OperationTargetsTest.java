package io.muster.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.muster.scheduler.OperationTargets.Candidate;
import io.muster.scheduler.OperationTargets.Excluded;
import io.muster.types.job.ActionCall;
import io.muster.types.job.Constraint;
import io.muster.types.job.FailureStrategy;
import io.muster.types.job.OperationSpec;
import io.muster.types.job.OperationStep;
import io.muster.types.job.OperationTarget;
import io.muster.types.job.OperationTask;
import io.muster.types.job.RetryBackoff;
import io.muster.types.job.StepCondition;
import io.muster.types.job.TargetScope;
import io.muster.types.job.TaskSpec;
import io.muster.types.state.NodeStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperationTargetsTest {
    static Candidate node(long id, NodeStatus status, String group, Map<String, List<String>> backends, String... drivers) {
        Map<String, String> labels = group == null ? Map.of("name", "n" + id) : Map.of("name", "n" + id, "group", group);
        return new Candidate(new NodeView(id, status, true, "linux", "amd64", labels, Set.of(drivers), new Resources(1000, 1000)), "host" + id, backends);
    }

    static OperationSpec spec(OperationTarget target, OperationTask... tasks) {
        return new OperationSpec(target, FailureStrategy.FAIL_FAST, 0, RetryBackoff.DEFAULT,
                List.of(new OperationStep(StepCondition.ALWAYS, true, List.of(tasks))));
    }

    static final OperationTask APT = new OperationTask(new ActionCall("apt", "install", Map.of("package", "nginx")), null, 0, null);
    static final OperationTask EXEC = new OperationTask(null, TaskSpec.exec("t", "true", List.of()), 0, null);
    static final Map<String, List<String>> APT_ON = Map.of("apt", List.of("update", "install"));

    final List<Candidate> fleet = List.of(
            node(4, NodeStatus.READY, "web, prod", APT_ON, "exec"),
            node(1, NodeStatus.READY, "web", APT_ON, "exec"),
            node(2, NodeStatus.DOWN, "web", APT_ON, "exec"),
            node(3, NodeStatus.READY, "web", Map.of(), "exec"),
            node(5, NodeStatus.READY, "db", APT_ON),
            node(6, NodeStatus.REVOKED, "web", APT_ON, "exec"));

    @Test
    void aGroupTargetTakesTheReadyNodesThatHaveWhatTheStepsUseAndSaysWhyNotForTheOthers() {
        var r = OperationTargets.resolve(spec(new OperationTarget(TargetScope.GROUP, "web"), APT, EXEC), List.of(), fleet);
        assertEquals(List.of(1L, 4L), r.nodes(), "ascending, a comma-separated group label counts");
        assertEquals(List.of(new Excluded(2, "node is down"), new Excluded(3, "backend apt not enabled")), r.excluded(),
                "revoked nodes are no part of any scope");
    }

    @Test
    void constraintsFilterTheTarget() {
        var r = OperationTargets.resolve(spec(OperationTarget.ALL, APT), List.of(Constraint.of("label.group", "=", "db")), fleet);
        assertEquals(List.of(5L), r.nodes());
        assertEquals("constraint label.group = db not met", r.excluded().getFirst().reason());
    }

    @Test
    void aNodeTargetTakesAnIdHostnameOrNameAndRefusesAnUnknownOne() {
        for (String name : List.of("4", "host4", "n4"))
            assertEquals(List.of(4L), OperationTargets.resolve(spec(new OperationTarget(TargetScope.NODE, name), APT), List.of(), fleet).nodes());
        var e = assertThrows(IllegalArgumentException.class,
                () -> OperationTargets.resolve(spec(new OperationTarget(TargetScope.NODE, "nine"), APT), List.of(), fleet));
        assertEquals("no node is named nine (give a node id, hostname or name label)", e.getMessage());
    }

    @Test
    void aMissingActionOrDriverExcludes() {
        OperationTask upgrade = new OperationTask(new ActionCall("apt", "upgrade", Map.of()), null, 0, null);
        var r = OperationTargets.resolve(spec(OperationTarget.ALL, upgrade), List.of(), List.of(fleet.get(0)));
        assertEquals("backend apt has no action upgrade", r.excluded().getFirst().reason());
        var d = OperationTargets.resolve(spec(OperationTarget.ALL, EXEC), List.of(), List.of(fleet.get(4)));
        assertEquals("driver exec missing", d.excluded().getFirst().reason());
    }
}
