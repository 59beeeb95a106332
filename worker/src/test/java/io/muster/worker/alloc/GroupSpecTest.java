package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupSpecTest {
    /** The canonical JSON of one group as the job spec code writes it (with fields the worker does not use). */
    private static final String CANONICAL = """
            {"name":"frontend","count":4,"placement":"spread","constraints":[{"attribute":"label.role","operator":"=","value":"web"}],\
            "restart":{"attempts":2,"delay":15,"max_delay":300,"mode":"fail"},\
            "reschedule":{"attempts":-1,"delay":30,"max_delay":3600},\
            "tasks":[{"name":"server","driver":"exec","command":"sleep","args":["300"],"env":{"GREETING":"hi"},\
            "resources":{"cpu":100,"memory":64},"timeout":30,"network":false,"workdir":"/srv","user":"nobody"}]}""";

    private static GroupSpec parse(String json) {
        return GroupSpec.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheCanonicalJsonAndIgnoresWhatItDoesNotUse() {
        GroupSpec spec = parse(CANONICAL);
        assertEquals("frontend", spec.name());
        assertEquals(4, spec.count());
        GroupSpec.Task task = spec.tasks().get(0);
        assertEquals("server", task.name());
        assertEquals("exec", task.driver());
        assertEquals("sleep", task.command());
        assertEquals(List.of("300"), task.args());
        assertEquals(Map.of("GREETING", "hi"), task.env());
        assertEquals(new GroupSpec.Resources(100, 64, 0), task.resources());
        assertEquals(Duration.ofSeconds(30), task.timeoutDuration());
        assertEquals(new GroupSpec.Restart(2, 15L, 300L, "fail"), spec.restart());
    }

    @Test
    void missingOptionalFieldsTakeDefaults() {
        GroupSpec spec = parse("{\"name\":\"g\",\"tasks\":[{\"name\":\"t\",\"driver\":\"docker\",\"image\":\"busybox\"}]}");
        GroupSpec.Task task = spec.tasks().get(0);
        assertEquals(List.of(), task.args());
        assertEquals(Map.of(), task.env());
        assertEquals(Duration.ZERO, task.timeoutDuration());
        assertEquals(null, spec.restart());
    }

    @Test
    void problemsAreNamed() {
        assertMessage("{\"name\":\"g\",\"tasks\":[]}", "group 'g' has no tasks");
        assertMessage("{\"name\":\"g\",\"tasks\":[{\"name\":\"t\",\"driver\":\"exec\"},{\"name\":\"t\",\"driver\":\"exec\"}]}",
                "two tasks named 't'");
        assertMessage("{\"name\":\"g\",\"tasks\":[{\"name\":\"../x\",\"driver\":\"exec\"}]}", "invalid name '../x'");
        assertMessage("{\"name\":\"g\",\"tasks\":[{\"name\":\"t\"}]}", "task 't' names no driver");
        assertMessage("{\"name\":\"g\",\"tasks\":[{\"name\":\"t\",\"driver\":\"exec\"}],\"restart\":{\"mode\":\"never\"}}",
                "restart mode 'never'");
        assertMessage("{\"name\":\"g\",\"tasks\":{}}", "invalid group spec");
        assertMessage("not json", "not valid JSON");
    }

    private static void assertMessage(String json, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
