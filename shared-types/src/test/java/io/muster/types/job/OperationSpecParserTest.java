package io.muster.types.job;

import static io.muster.types.job.SpecAssertions.PARSER;
import static io.muster.types.job.SpecAssertions.assertError;
import static io.muster.types.job.SpecAssertions.errorsOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperationSpecParserTest {

    static final String ROLLOUT = """
            id: nginx-rollout
            type: operation
            priority: 60
            timeout: 30m
            constraints:
              - {attribute: "node.os", operator: "=", value: linux}
            target: {scope: group, value: web}
            strategy: continue
            max_concurrent_nodes: 50
            retry_backoff: {base: 2s, cap: 2m}
            steps:
              - tasks:
                  - {backend: apt, action: update}
                  - {backend: apt, action: install, params: {package: nginx}, max_retries: 3, timeout: 5m}
              - {backend: systemd, action: start, params: {unit: nginx}}
              - condition: on_failure
                tasks:
                  - {backend: ping, action: echo, params: {message: "rollback complete"}}
              - {driver: exec, command: sh, args: ["-c", "echo hi"], max_retries: 1, timeout: 10s}
              - condition: on_success
                driver: docker
                name: probe
                image: local/busybox:1
                env: {MODE: check}
                resources: {cpu: 50, memory: 32}
            """;

    @Test
    void readsEveryShape() {
        JobSpec spec = PARSER.parse(ROLLOUT);
        assertEquals("nginx-rollout", spec.id());
        assertEquals(JobType.OPERATION, spec.type());
        assertEquals(60, spec.priority());
        assertEquals(Duration.ofMinutes(30), spec.timeout());
        assertEquals(List.of(Constraint.of("node.os", "=", "linux")), spec.constraints());
        assertEquals(List.of(), spec.groups());

        OperationSpec op = spec.operation();
        assertEquals(new OperationTarget(TargetScope.GROUP, "web"), op.target());
        assertEquals(FailureStrategy.CONTINUE, op.strategy());
        assertEquals(50, op.maxConcurrentNodes());
        assertEquals(new RetryBackoff(Duration.ofSeconds(2), Duration.ofMinutes(2)), op.retryBackoff());
        assertEquals(5, op.steps().size());

        OperationStep phase = op.steps().get(0);
        assertTrue(phase.pipeline());
        assertEquals(StepCondition.ALWAYS, phase.condition());
        assertEquals(new OperationTask(new ActionCall("apt", "update", Map.of()), null, 0, null), phase.tasks().get(0));
        assertEquals(new OperationTask(new ActionCall("apt", "install", Map.of("package", "nginx")), null, 3,
                Duration.ofMinutes(5)), phase.tasks().get(1));

        OperationStep leaf = op.steps().get(1);
        assertFalse(leaf.pipeline());
        assertEquals(List.of(new OperationTask(new ActionCall("systemd", "start", Map.of("unit", "nginx")), null, 0,
                null)), leaf.tasks());

        OperationStep rollback = op.steps().get(2);
        assertTrue(rollback.pipeline());
        assertEquals(StepCondition.ON_FAILURE, rollback.condition());
        assertEquals(Map.of("message", "rollback complete"), rollback.tasks().get(0).action().params());

        OperationTask exec = op.steps().get(3).tasks().get(0);
        assertNull(exec.action());
        assertEquals(TaskSpec.exec("task", "sh", List.of("-c", "echo hi")), exec.task());
        assertNull(exec.task().timeout(), "the timeout is the operation task's, not the TaskSpec's");
        assertEquals(Duration.ofSeconds(10), exec.timeout());
        assertEquals(1, exec.maxRetries());

        OperationStep docker = op.steps().get(4);
        assertEquals(StepCondition.ON_SUCCESS, docker.condition());
        assertFalse(docker.pipeline());
        TaskSpec probe = docker.tasks().get(0).task();
        assertEquals("probe", probe.name());
        assertEquals(Driver.DOCKER, probe.driver());
        assertEquals("local/busybox:1", probe.image());
        assertEquals(Map.of("MODE", "check"), probe.env());
        assertEquals(new TaskResources(50, 32), probe.resources());

        assertEquals(List.of("apt", "systemd", "ping"), List.copyOf(op.backends()));
        assertEquals(List.of("exec", "docker"), List.copyOf(op.drivers()));
    }

    @Test
    void defaults() {
        JobSpec spec = PARSER.parse("""
                type: operation
                target: {scope: all}
                steps:
                  - {backend: ping, action: hostname}
                """);
        assertEquals("generated", spec.id());
        assertEquals(JobSpecLimits.DEFAULT_PRIORITY, spec.priority());
        assertNull(spec.timeout());
        assertEquals(List.of(), spec.constraints());
        OperationSpec op = spec.operation();
        assertEquals(OperationTarget.ALL, op.target());
        assertEquals(FailureStrategy.FAIL_FAST, op.strategy());
        assertEquals(0, op.maxConcurrentNodes());
        assertEquals(RetryBackoff.DEFAULT, op.retryBackoff());
        assertEquals(List.of(new OperationStep(StepCondition.ALWAYS, false, List.of(
                new OperationTask(new ActionCall("ping", "hostname", Map.of()), null, 0, null)))), op.steps());
    }

    @Test
    void aLoneBackoffBoundMovesTheOtherDefaultOutOfItsWay() {
        assertEquals(new RetryBackoff(Duration.ofMinutes(5), Duration.ofMinutes(5)), backoff("{base: 5m}"));
        assertEquals(new RetryBackoff(Duration.ofSeconds(1), Duration.ofMinutes(10)), backoff("{cap: 10m}"));
        assertEquals(new RetryBackoff(Duration.ZERO, Duration.ZERO), backoff("{cap: 0}"));
        assertEquals(new RetryBackoff(Duration.ZERO, Duration.ofMinutes(1)), backoff("{base: 0}"));
    }

    private static RetryBackoff backoff(String yaml) {
        return PARSER.parse("type: operation\ntarget: {scope: all}\nretry_backoff: " + yaml
                + "\nsteps: [{backend: ping, action: echo}]\n").operation().retryBackoff();
    }

    @Test
    void yamlScalarsInParamsBecomeTheirText() {
        ActionCall call = PARSER.parse("""
                type: operation
                target: {scope: node, value: 7}
                steps:
                  - backend: test
                    action: flaky
                    params: {rate: 0.5, attempts: 3, loud: true, name: x, "k.v-1": ""}
                """).operation().steps().get(0).tasks().get(0).action();
        assertEquals(Map.of("rate", "0.5", "attempts", "3", "loud", "true", "name", "x", "k.v-1", ""), call.params());
    }

    @Test
    void jsonIsReadLikeYaml() {
        JobSpec json = PARSER.parse("""
                {"type": "operation", "target": {"scope": "node", "value": "web-1"},
                 "steps": [{"tasks": [{"backend": "apt", "action": "install", "params": {"package": "nginx"}}]},
                           {"condition": "on_failure", "backend": "ping", "action": "echo"}]}
                """);
        JobSpec yaml = PARSER.parse("""
                type: operation
                target: {scope: node, value: web-1}
                steps:
                  - tasks: [{backend: apt, action: install, params: {package: nginx}}]
                  - {condition: on_failure, backend: ping, action: echo}
                """);
        assertEquals(yaml, json);
    }

    // --- errors: each with its path and location ---

    @Test
    void targetAndStepsAreRequired() {
        List<SpecError> errors = errorsOf("type: operation\n");
        assertEquals(List.of("steps", "target"), errors.stream().map(SpecError::path).sorted().toList());
        assertError("type: operation\n", "target", 1, 1, "is required");
        assertError("type: operation\n", "steps", 1, 1, "is required");
    }

    @Test
    void groupsAreRefusedForAnOperation() {
        assertError("""
                type: operation
                target: {scope: all}
                steps: [{backend: ping, action: echo}]
                groups: []
                """, "groups", 4, 1, "an operation has steps, not groups");
    }

    @Test
    void operationKeysAreRefusedForOtherTypes() {
        String spec = """
                type: batch
                groups:
                  - name: g
                    tasks: [{name: t, driver: exec, command: "true"}]
                target: {scope: all}
                strategy: continue
                max_concurrent_nodes: 2
                retry_backoff: {base: 1s}
                steps: []
                """;
        for (int i = 0; i < OperationReader.OPERATION_KEYS.size(); i++) {
            assertError(spec, OperationReader.OPERATION_KEYS.get(i), 5 + i, 1, "is only valid for type operation");
        }
        assertEquals(5, errorsOf(spec).size());
        // A service (the default type) says so too.
        assertError("groups: [{name: g, tasks: [{name: t, driver: exec, command: x}]}]\nsteps: []\n",
                "steps", 2, 1, "this job's type is service");
    }

    @Test
    void unknownKeysGetAHint() {
        assertError("""
                type: operation
                target: {scope: all}
                stratgy: continue
                steps: [{backend: ping, action: echo}]
                """, "stratgy", 3, 1, "did you mean 'strategy'");
        assertError("""
                type: operation
                target: {scope: all}
                steps:
                  - {backend: ping, action: echo, max_retry: 2}
                """, "steps[0].max_retry", 4, 35, "did you mean 'max_retries'");
        assertError("""
                type: operation
                target: {scope: all, valeu: x}
                steps: [{backend: ping, action: echo}]
                """, "target.valeu", 2, 22, "did you mean 'value'");
        assertError("""
                type: operation
                target: {scope: all}
                steps:
                  - tasks: [{backend: ping, action: echo}]
                    conditon: always
                """, "steps[0].conditon", 5, 5, "did you mean 'condition'");
    }

    @Test
    void targetErrors() {
        assertError(target("{scope: everywhere}"), "target.scope", 2, 17, "must be one of all, group, node");
        assertError(target("{scope: all, value: x}"), "target.value", 2, 22, "is not allowed for scope all");
        assertError(target("{scope: group}"), "target.value", 2, 9, "is required for scope group");
        assertError(target("{scope: node}"), "target.value", 2, 9, "is required for scope node");
        assertError(target("{value: x}"), "target.scope", 2, 9, "is required");
        assertError(target("{scope: group, value: \"a,b\"}"), "target.value", 2, 31, "must not contain commas");
        assertError(target("{scope: node, value: \" \"}"), "target.value", 2, 30, "must not be empty");
        assertError(target("all"), "target", 2, 9, "must be a mapping");
    }

    private static String target(String t) {
        return "type: operation\ntarget: " + t + "\nsteps: [{backend: ping, action: echo}]\n";
    }

    @Test
    void settingErrors() {
        assertError(settings("strategy: fail_fast"), "strategy", 3, 11, "did you mean 'fail-fast'");
        assertError(settings("max_concurrent_nodes: 0"), "max_concurrent_nodes", 3, 23, "must be a positive integer");
        assertError(settings("retry_backoff: {base: 2m, cap: 1m}"), "retry_backoff.cap", 3, 32,
                "must be at least base (120 seconds)");
        assertError(settings("retry_backoff: {base: -1}"), "retry_backoff.base", 3, 23, "must not be negative");
        assertError(settings("retry_backoff: {bse: 1s}"), "retry_backoff.bse", 3, 17, "did you mean 'base'");
    }

    private static String settings(String line) {
        return "type: operation\ntarget: {scope: all}\n" + line + "\nsteps: [{backend: ping, action: echo}]\n";
    }

    @Test
    void stepListErrors() {
        assertError("type: operation\ntarget: {scope: all}\nsteps: []\n", "steps", 3, 8, "at least 1 step");
        assertError("type: operation\ntarget: {scope: all}\nsteps: [ping]\n", "steps[0]", 3, 9, "must be a mapping");
        StringBuilder many = new StringBuilder("type: operation\ntarget: {scope: all}\nsteps:\n");
        for (int i = 0; i <= JobSpecLimits.MAX_OPERATION_STEPS; i++) many.append("  - {backend: ping, action: echo}\n");
        assertError(many.toString(), "steps", 4, 3, "at most 100 steps are allowed, found 101");
        assertError(steps("  - tasks: []"), "steps[0].tasks", 4, 12, "at least 1 task");
        assertError(steps("  - {tasks: null, condition: always}"), "steps[0].tasks", 4, 5, "must list the phase's tasks");
    }

    private static String steps(String lines) {
        return "type: operation\ntarget: {scope: all}\nsteps:\n" + lines + "\n";
    }

    @Test
    void conditionIsForStepsNotForTheTasksOfAPhase() {
        assertError(steps("  - tasks:\n      - {backend: ping, action: echo, condition: on_failure}"),
                "steps[0].tasks[0].condition", 5, 39, "belongs to the whole phase");
        assertError(steps("  - {backend: ping, action: echo, condition: sometimes}"),
                "steps[0].condition", 4, 46, "must be one of always, on_success, on_failure");
    }

    @Test
    void aTaskIsEitherAnActionOrADriverTask() {
        assertError(steps("  - {backend: ping, action: echo, driver: exec, command: ls}"), "steps[0]", 4, 5,
                "has both backend/action and driver");
        assertError(steps("  - {command: ls}"), "steps[0]", 4, 5, "needs either backend and action");
        assertError(steps("  - tasks: [{max_retries: 1}]"), "steps[0].tasks[0]", 4, 13,
                "needs either backend and action");
        assertError(steps("  - {backend: ping}"), "steps[0].action", 4, 5, "is required");
        assertError(steps("  - {action: echo}"), "steps[0].backend", 4, 5, "is required");
        assertError(steps("  - {params: {a: b}}"), "steps[0].backend", 4, 5, "is required");
        assertError(steps("  - {backend: ping, action: echo, command: ls}"), "steps[0].command", 4, 35,
                "is only valid for an exec or docker task");
        assertError(steps("  - {backend: ping, action: echo, name: x}"), "steps[0].name", 4, 35,
                "is only valid for an exec or docker task");
    }

    @Test
    void actionSyntaxIsCheckedButNotTheCatalogue() {
        // A plugin backend the catalogue does not know is the server's business.
        assertEquals("my-plugin", PARSER.parse(steps("  - {backend: my-plugin, action: do_it}"))
                .operation().steps().get(0).tasks().get(0).action().backend());
        assertError(steps("  - {backend: Apt, action: install}"), "steps[0].backend", 4, 15, "is not a valid name");
        assertError(steps("  - {backend: apt, action: \"in stall\"}"), "steps[0].action", 4, 28,
                "is not a valid name");
    }

    @Test
    void paramErrors() {
        assertError(steps("  - {backend: b, action: a, params: {pkgs: [a, b]}}"), "steps[0].params.pkgs", 4, 44,
                "must be a string, not a list");
        assertError(steps("  - {backend: b, action: a, params: {opts: {a: b}}}"), "steps[0].params.opts", 4, 44,
                "must be a string, not a mapping");
        assertError(steps("  - {backend: b, action: a, params: {x: null}}"), "steps[0].params.x", 4, 41,
                "must be a string, not null");
        assertError(steps("  - {backend: b, action: a, params: {\"a b\": c}}"), "steps[0].params[\"a b\"]", 4, 38,
                "is not a valid parameter name");
        assertError(steps("  - {backend: b, action: a, params: [a]}"), "steps[0].params", 4, 37, "must be a mapping");
        assertError(steps("  - {backend: b, action: a, params: {x: \"" + "v".repeat(JobSpecLimits.MAX_STRING + 1)
                + "\"}}"), "steps[0].params.x", 4, 41, "the limit is 32768");
        StringBuilder many = new StringBuilder("  - backend: b\n    action: a\n    params:\n");
        for (int i = 0; i <= JobSpecLimits.MAX_ACTION_PARAMS; i++) many.append("      k").append(i).append(": v\n");
        assertError(steps(many.toString()), "steps[0].params", 7, 7, "at most 64 parameters are allowed, found 65");
    }

    @Test
    void retryAndTimeoutErrors() {
        assertError(steps("  - {backend: b, action: a, max_retries: 101}"), "steps[0].max_retries", 4, 42,
                "must be at most 100");
        assertError(steps("  - {backend: b, action: a, max_retries: -1}"), "steps[0].max_retries", 4, 42,
                "must be a non-negative integer");
        assertError(steps("  - {backend: b, action: a, timeout: 0}"), "steps[0].timeout", 4, 38,
                "must be at least 1 second");
        assertError(steps("  - {driver: exec, command: ls, timeout: soon}"), "steps[0].timeout", 4, 42,
                "must be a duration");
    }

    @Test
    void execAndDockerTasksFollowTheGroupTaskRules() {
        assertError(steps("  - {driver: exec}"), "steps[0].command", 4, 5, "is required for the exec driver");
        assertError(steps("  - {driver: docker}"), "steps[0].image", 4, 5, "is required for the docker driver");
        assertError(steps("  - {driver: exec, command: ls, image: busybox}"), "steps[0].image", 4, 40,
                "is only valid for the docker driver");
        assertError(steps("  - {driver: podman, command: ls}"), "steps[0].driver", 4, 14, "must be one of exec, docker");
        assertError(steps("  - tasks: [{driver: exec, command: ls, workdir: tmp}]"), "steps[0].tasks[0].workdir",
                4, 50, "must be an absolute path");
        assertError(steps("  - {driver: exec, command: ls, name: Bad}"), "steps[0].name", 4, 39, "is not a valid name");
    }

    @Test
    void everyErrorIsCollected() {
        List<SpecError> errors = errorsOf("""
                type: operation
                target: {scope: group}
                strategy: maybe
                steps:
                  - {backend: ping}
                  - tasks: [{driver: exec}]
                """);
        assertEquals(List.of("target.value", "strategy", "steps[0].action", "steps[1].tasks[0].command"),
                errors.stream().map(SpecError::path).toList());
    }
}
