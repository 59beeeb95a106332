package io.muster.types.job;

import java.util.Objects;

/**
 * A secret a task names, and how it receives the value: exactly one of an environment variable, a file (absolute
 * path, mode 0400, removed when the task ends) or the task's stdin (a JSON object {@code {name: value}} of every
 * stdin secret of the task). The job spec holds only the name: the value never enters it.
 */
public record SecretRef(String name, String env, String file, boolean stdin) {
    public SecretRef {
        Objects.requireNonNull(name, "name");
        int ways = (env != null ? 1 : 0) + (file != null ? 1 : 0) + (stdin ? 1 : 0);
        if (ways != 1) throw new IllegalArgumentException("secret " + name + ": exactly one of env, file or stdin");
    }

    public static SecretRef env(String name, String variable) {
        return new SecretRef(name, variable, null, false);
    }

    public static SecretRef file(String name, String path) {
        return new SecretRef(name, null, path, false);
    }

    public static SecretRef stdin(String name) {
        return new SecretRef(name, null, null, true);
    }
}
