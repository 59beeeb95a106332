package io.muster.types.job;

/** The limits of secrets, shared by the job spec, the server and the CLI. */
public final class SecretNames {
    /** A secret's name: safe as a path segment, a log label ({@code [redacted:NAME]}) and a JSON key. */
    public static final String SYNTAX = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}";
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    /** Secrets a cluster holds at most: each is replicated to every server. */
    public static final int MAX_SECRETS = 10_000;
    /** Secrets one task may name. */
    public static final int MAX_PER_TASK = 32;

    private SecretNames() {}

    public static boolean valid(String name) {
        return name != null && name.matches(SYNTAX);
    }
}
