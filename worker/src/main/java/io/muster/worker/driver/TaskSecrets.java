package io.muster.worker.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The secrets one task receives, with their values: held in memory only (never in a state file, a log or a
 * {@link #toString}), handed to the driver with the {@link TaskRequest}.
 */
public final class TaskSecrets {
    public static final TaskSecrets NONE = new TaskSecrets(List.of());
    /** Where an exec task finds its secret files: {@code $MUSTER_SECRETS_DIR/<last segment of file>}. */
    public static final String DIR_VARIABLE = "MUSTER_SECRETS_DIR";

    /** One secret: exactly one of env, file or stdin says how the task receives it. */
    public record Secret(String name, byte[] value, String env, String file, boolean stdin) {
        public Secret {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        /** The file's name in an exec task's secrets directory. */
        public String fileName() {
            return file.substring(file.lastIndexOf('/') + 1);
        }

        @Override
        public String toString() {
            return "Secret[" + name + "]";
        }
    }

    private final List<Secret> secrets;

    public TaskSecrets(List<Secret> secrets) {
        this.secrets = List.copyOf(secrets);
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    public List<Secret> all() {
        return secrets;
    }

    /** Variables to add to the task's environment. */
    public Map<String, String> env() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Secret s : secrets) if (s.env() != null) out.put(s.env(), new String(s.value(), StandardCharsets.UTF_8));
        return out;
    }

    public List<Secret> files() {
        List<Secret> out = new ArrayList<>();
        for (Secret s : secrets) if (s.file() != null) out.add(s);
        return out;
    }

    /** {@code {"name": "value", ...}} of the stdin secrets, or null when there are none (stdin stays /dev/null). */
    public byte[] stdinJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        for (Secret s : secrets) if (s.stdin()) o.put(s.name(), new String(s.value(), StandardCharsets.UTF_8));
        return o.isEmpty() ? null : (o.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** What the task's output is scrubbed of. */
    public SecretRedactor redactor() {
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (Secret s : secrets) values.put(s.name(), s.value());
        return SecretRedactor.of(values);
    }

    @Override
    public String toString() {
        return "TaskSecrets" + secrets.stream().map(Secret::name).toList(); // names only
    }
}
