package io.muster.types.job;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON for job specs: what servers store in the Raft log and workers receive.
 *
 * <p>Canonical means: compact UTF-8, keys in a fixed order (the order of the record components), every default
 * written out explicitly (so readers need no defaulting logic and the bytes do not change when defaults do),
 * durations as whole seconds, env and action params sorted by key, absent optional values omitted (an
 * operation's unlimited {@code max_concurrent_nodes} too), operators in their canonical spelling. An operation's
 * leaf steps are written inline ({@code {"condition":..,"backend":..}}), its phases as
 * {@code {"condition":..,"tasks":[..]}}. Hence {@code fromJson(toJson(s)).equals(s)} and {@code toJson(fromJson(b))} is byte-identical to a
 * canonical {@code b}. {@link #fromJson} validates exactly like {@link JobSpecParser}, so a corrupt or hostile
 * entry is rejected with the same messages.
 */
public final class JobSpecJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JobSpecJson() {
    }

    public static byte[] toJson(JobSpec spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            writeJob(g, spec);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }

    public static String toJsonString(JobSpec spec) {
        return new String(toJson(spec), StandardCharsets.UTF_8);
    }

    /**
     * Reads canonical (or any valid JSON) job spec bytes; the {@code id} is required.
     *
     * @throws JobSpecException when the JSON is not a valid job spec
     */
    public static JobSpec fromJson(byte[] json) {
        return JobSpecParser.strict().parse(json, SpecFormat.JSON, null);
    }

    private static void writeJob(JsonGenerator g, JobSpec s) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", s.id());
        g.writeStringField("type", s.type().key());
        g.writeNumberField("priority", s.priority());
        writeDuration(g, "timeout", s.timeout());
        writeConstraints(g, s.constraints());
        if (s.operation() != null) {
            writeOperation(g, s.operation());
        } else {
            g.writeArrayFieldStart("groups");
            for (TaskGroup group : s.groups()) {
                writeGroup(g, group);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /**
     * The group a worker runs as one allocation for task {@code task} of step {@code step} of an operation: named
     * by {@link OperationSpec#taskKey}, count 1, no restarts or reschedules (the operation service retries), and
     * one task. An action becomes a task of driver {@code "action"} named {@code "action"} carrying the call; an
     * exec/docker task is written as in a group, its timeout the operation task's when that is set.
     */
    public static byte[] operationGroup(OperationSpec op, int step, int task) {
        OperationTask t = op.steps().get(step).tasks().get(task);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("name", op.taskKey(step, task));
            g.writeNumberField("count", 1);
            g.writeStringField("placement", PlacementStrategy.PACK.key());
            writeConstraints(g, List.of());
            g.writeObjectFieldStart("restart");
            g.writeNumberField("attempts", 0);
            g.writeNumberField("delay", 0);
            g.writeNumberField("max_delay", 0);
            g.writeStringField("mode", RestartMode.FAIL.key());
            g.writeEndObject();
            g.writeObjectFieldStart("reschedule");
            g.writeNumberField("attempts", 0);
            g.writeNumberField("delay", 0);
            g.writeNumberField("max_delay", 0);
            g.writeEndObject();
            g.writeArrayFieldStart("tasks");
            g.writeStartObject();
            if (t.action() != null) {
                g.writeStringField("name", "action");
                g.writeStringField("driver", "action");
                g.writeObjectFieldStart("action");
                writeAction(g, t.action());
                g.writeEndObject();
                writeStrings(g, "args", List.of());
                g.writeObjectFieldStart("env");
                g.writeEndObject();
                g.writeObjectFieldStart("resources");
                g.writeNumberField("cpu", 0);
                g.writeNumberField("memory", 0);
                g.writeEndObject();
                writeDuration(g, "timeout", t.timeout());
                g.writeBooleanField("network", false);
            } else {
                writeTaskFields(g, t.task(), t.timeout() != null ? t.timeout() : t.task().timeout());
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }

    /** Target, strategy, the rolling batch (omitted when unlimited, as when absent), backoff, steps. */
    private static void writeOperation(JsonGenerator g, OperationSpec op) throws IOException {
        g.writeObjectFieldStart("target");
        g.writeStringField("scope", op.target().scope().key());
        writeOptional(g, "value", op.target().value());
        g.writeEndObject();
        g.writeStringField("strategy", op.strategy().key());
        if (op.maxConcurrentNodes() > 0) {
            g.writeNumberField("max_concurrent_nodes", op.maxConcurrentNodes());
        }
        g.writeObjectFieldStart("retry_backoff");
        writeDuration(g, "base", op.retryBackoff().base());
        writeDuration(g, "cap", op.retryBackoff().cap());
        g.writeEndObject();
        g.writeArrayFieldStart("steps");
        for (OperationStep step : op.steps()) {
            g.writeStartObject();
            g.writeStringField("condition", step.condition().key());
            if (step.pipeline()) {
                g.writeArrayFieldStart("tasks");
                for (OperationTask t : step.tasks()) {
                    g.writeStartObject();
                    writeOperationTask(g, t);
                    g.writeEndObject();
                }
                g.writeEndArray();
            } else {
                writeOperationTask(g, step.tasks().get(0));
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** An action: backend, action, params, max_retries, timeout; a task: its fields, then max_retries. */
    private static void writeOperationTask(JsonGenerator g, OperationTask t) throws IOException {
        if (t.action() != null) {
            writeAction(g, t.action());
            g.writeNumberField("max_retries", t.maxRetries());
            writeDuration(g, "timeout", t.timeout());
        } else {
            writeTaskFields(g, t.task(), t.timeout() != null ? t.timeout() : t.task().timeout());
            g.writeNumberField("max_retries", t.maxRetries());
        }
    }

    private static void writeAction(JsonGenerator g, ActionCall a) throws IOException {
        g.writeStringField("backend", a.backend());
        g.writeStringField("action", a.action());
        g.writeObjectFieldStart("params");
        for (Map.Entry<String, String> e : a.params().entrySet()) { // sorted by ActionCall
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeGroup(JsonGenerator g, TaskGroup t) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", t.name());
        g.writeNumberField("count", t.count());
        g.writeStringField("placement", t.placement().key());
        writeConstraints(g, t.constraints());
        RestartPolicy r = t.restart();
        g.writeObjectFieldStart("restart");
        g.writeNumberField("attempts", r.attempts());
        writeDuration(g, "delay", r.delay());
        writeDuration(g, "max_delay", r.maxDelay());
        g.writeStringField("mode", r.mode().key());
        g.writeEndObject();
        ReschedulePolicy rs = t.reschedule();
        g.writeObjectFieldStart("reschedule");
        g.writeNumberField("attempts", rs.attempts());
        writeDuration(g, "delay", rs.delay());
        writeDuration(g, "max_delay", rs.maxDelay());
        g.writeEndObject();
        g.writeArrayFieldStart("tasks");
        for (TaskSpec task : t.tasks()) {
            writeTask(g, task);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeTask(JsonGenerator g, TaskSpec t) throws IOException {
        g.writeStartObject();
        writeTaskFields(g, t, t.timeout());
        g.writeEndObject();
    }

    private static void writeTaskFields(JsonGenerator g, TaskSpec t, Duration timeout) throws IOException {
        g.writeStringField("name", t.name());
        g.writeStringField("driver", t.driver().key());
        writeOptional(g, "command", t.command());
        writeStrings(g, "args", t.args());
        writeOptional(g, "image", t.image());
        g.writeObjectFieldStart("env");
        for (Map.Entry<String, String> e : t.env().entrySet()) { // sorted by TaskSpec
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("resources");
        g.writeNumberField("cpu", t.resources().cpu());
        g.writeNumberField("memory", t.resources().memoryMb());
        // Written only when set: specs that never used them keep their canonical form (and the state's digest).
        if (t.resources().pids() > 0) g.writeNumberField("pids", t.resources().pids());
        if (t.resources().enforce()) g.writeBooleanField("enforce", true);
        g.writeEndObject();
        writeDuration(g, "timeout", timeout);
        g.writeBooleanField("network", t.network());
        writeOptional(g, "workdir", t.workdir());
        writeOptional(g, "user", t.user());
        if (!t.secrets().isEmpty()) { // omitted when empty: specs without secrets keep their canonical form
            g.writeArrayFieldStart("secrets");
            for (SecretRef r : t.secrets()) {
                g.writeStartObject();
                g.writeStringField("name", r.name());
                writeOptional(g, "env", r.env());
                writeOptional(g, "file", r.file());
                if (r.stdin()) g.writeBooleanField("stdin", true);
                g.writeEndObject();
            }
            g.writeEndArray();
        }
    }

    private static void writeConstraints(JsonGenerator g, List<Constraint> constraints) throws IOException {
        g.writeArrayFieldStart("constraints");
        for (Constraint c : constraints) {
            g.writeStartObject();
            g.writeStringField("attribute", c.attribute().toString());
            g.writeStringField("operator", c.operator().symbol());
            writeOptional(g, "value", c.value());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeStrings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void writeOptional(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static void writeDuration(JsonGenerator g, String name, Duration d) throws IOException {
        if (d != null) {
            g.writeNumberField(name, d.toSeconds());
        }
    }
}
