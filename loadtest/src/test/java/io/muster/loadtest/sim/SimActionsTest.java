package io.muster.loadtest.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.JobSpecParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated test backend's answers, from the one-task groups the server really sends (JobSpecJson.operationGroup). */
class SimActionsTest {
    private static final String OPERATION = """
            id: sim-actions
            type: operation
            target: {scope: all}
            steps:
              - {backend: test, action: succeed}
              - {backend: test, action: fail}
              - {backend: test, action: sleep, params: {duration: 2s}}
              - {backend: test, action: sleep, params: {duration: 500ms}}
              - {backend: test, action: output, params: {text: "hello from the sim"}}
              - {backend: test, action: flaky, params: {rate: 0.5, seed: 42}}
              - {backend: test, action: sleep, params: {duration: soon}}
              - {backend: ping, action: echo, params: {message: hi}}
              - {backend: test, action: flaky, params: {rate: 0, seed: 1}}
              - {backend: test, action: flaky, params: {rate: 1, seed: 1}}
            """;

    private static final JobSpec SPEC = JobSpecParser.strict().parse(OPERATION);

    private static SimActions.Answer step(int step, int attempt) {
        return SimActions.answer(JobSpecJson.operationGroup(SPEC.operation(), step, 0), attempt);
    }

    @Test
    void succeedCompletesAtOnceWithAnOutputLine() {
        SimActions.Answer a = step(0, 0);
        assertEquals(AllocState.ALLOC_COMPLETE, a.state());
        assertEquals(0, a.exitCode());
        assertEquals(0, a.delayMillis());
        assertTrue(!a.output().isEmpty(), "operation tasks report a short output line");
    }

    @Test
    void failFailsWithExitCodeOne() {
        SimActions.Answer a = step(1, 0);
        assertEquals(AllocState.ALLOC_FAILED, a.state());
        assertEquals(1, a.exitCode());
        assertEquals(0, a.delayMillis());
    }

    @Test
    void sleepCompletesAfterItsDuration() {
        assertEquals(new SimActions.Answer(AllocState.ALLOC_COMPLETE, 0, 2000, "test sleep: slept 2s", null), step(2, 0));
        assertEquals(500, step(3, 0).delayMillis());
        SimActions.Answer bad = step(6, 0);
        assertEquals(AllocState.ALLOC_FAILED, bad.state());
        assertTrue(bad.message().contains("params.duration 'soon'"), bad.message());
    }

    @Test
    void outputReportsTheText() {
        SimActions.Answer a = step(4, 0);
        assertEquals(AllocState.ALLOC_COMPLETE, a.state());
        assertEquals("hello from the sim", a.output());
    }

    @Test
    void flakyIsDeterministicPerSeedAndAttemptAndFollowsItsRate() {
        List<AllocState> first = new ArrayList<>();
        List<AllocState> again = new ArrayList<>();
        for (int attempt = 0; attempt < 64; attempt++) {
            first.add(step(5, attempt).state());
            again.add(step(5, attempt).state());
        }
        assertEquals(first, again, "the same (seed, attempt) always answers the same");
        long failed = first.stream().filter(s -> s == AllocState.ALLOC_FAILED).count();
        assertTrue(failed > 16 && failed < 48, "about half of 64 attempts fail at rate 0.5: " + failed);
        assertTrue(first.stream().allMatch(s -> s == AllocState.ALLOC_FAILED || s == AllocState.ALLOC_COMPLETE));
        for (int attempt = 0; attempt < 20; attempt++) {
            assertEquals(AllocState.ALLOC_COMPLETE, step(8, attempt).state(), "rate 0 never fails");
            assertEquals(AllocState.ALLOC_FAILED, step(9, attempt).state(), "rate 1 always fails");
        }
        // Another seed gives another sequence.
        List<Boolean> a = new ArrayList<>();
        List<Boolean> b = new ArrayList<>();
        for (int attempt = 0; attempt < 64; attempt++) {
            a.add(SimActions.draw(42, attempt) < 0.5);
            b.add(SimActions.draw(43, attempt) < 0.5);
        }
        assertNotEquals(a, b);
    }

    @Test
    void otherBackendsAndBrokenGroupsFailNamingWhy() {
        SimActions.Answer ping = step(7, 0);
        assertEquals(AllocState.ALLOC_FAILED, ping.state());
        assertTrue(ping.message().contains("backend 'ping'"), ping.message());
        SimActions.Answer broken = SimActions.answer("{not json".getBytes(StandardCharsets.UTF_8), 0);
        assertEquals(AllocState.ALLOC_FAILED, broken.state());
        assertTrue(broken.message().contains("group_spec_json"), broken.message());
        assertEquals(AllocState.ALLOC_FAILED, SimActions.answer("{\"tasks\":[{\"action\":{\"backend\":\"test\",\"action\":\"explode\"}}]}"
                .getBytes(StandardCharsets.UTF_8), 0).state());
    }

    @Test
    void durations() {
        assertEquals(2000L, SimActions.millis("2s"));
        assertEquals(500L, SimActions.millis("500ms"));
        assertEquals(3L, SimActions.millis("0.003"));
        assertEquals(90_000L, SimActions.millis("1.5m"));
        assertEquals(null, SimActions.millis("-1s"));
    }
}
