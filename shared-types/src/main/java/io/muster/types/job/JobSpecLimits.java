package io.muster.types.job;

/**
 * Limits enforced when a job spec is parsed. They bound the work one spec can cause on servers (Raft log entry
 * size, scheduler time) and on workers, and keep names safe to use in paths, metrics and log lines.
 */
public final class JobSpecLimits {
    private JobSpecLimits() {
    }

    /** Job ids, group and task names: lower-case, start with a letter or digit, at most 63 characters. */
    public static final String NAME_SYNTAX = "[a-z0-9][a-z0-9_-]{0,62}";
    /** Environment variable names (POSIX portable), at most 256 characters. */
    public static final String ENV_KEY_SYNTAX = "[A-Za-z_][A-Za-z0-9_]{0,255}";
    /** {@code user}: a login name, a uid, optionally {@code :group} / {@code :gid}. */
    public static final String USER_SYNTAX =
            "([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})(:([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}))?";
    /** Keys of an action's parameters: a letter or '_' first, then letters, digits, '_', '-' and '.'. */
    public static final String PARAM_KEY_SYNTAX = "[A-Za-z_][A-Za-z0-9_.-]{0,62}";
    /** Docker image references: registry/name:tag or @digest characters. */
    public static final String IMAGE_SYNTAX = "[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}";

    /** Size of the spec text: 1 MiB (UTF-8 bytes for byte input, UTF-16 chars for string input). */
    public static final int MAX_SPEC_BYTES = 1 << 20;
    /** Allocations per group. */
    public static final int MAX_COUNT = 100_000;
    /** Groups per job. */
    public static final int MAX_GROUPS = 100;
    /** Tasks per group. */
    public static final int MAX_TASKS = 50;
    /** Constraints per job and per group. */
    public static final int MAX_CONSTRAINTS = 64;
    /** Arguments per task. */
    public static final int MAX_ARGS = 1024;
    /** Environment entries per task. */
    public static final int MAX_ENV = 512;
    /** Length of command, each argument, env value, constraint value, workdir (characters). */
    public static final int MAX_STRING = 32_768;
    /** Length of a regexp constraint pattern (characters). */
    public static final int MAX_REGEXP = 1024;
    /** CPU shares per task. */
    public static final int MAX_CPU = 1_000_000;
    /** Memory per task, MiB (4 TiB). */
    public static final int MAX_MEMORY_MB = 4 * 1024 * 1024;
    /** Processes and threads per task (Linux's default pid_max is 4,194,304; a task asking for more is a mistake). */
    public static final int MAX_PIDS = 1_048_576;
    /** Restart and reschedule attempts. */
    public static final int MAX_ATTEMPTS = 10_000;
    /** Any duration (timeouts, delays): 365 days, in seconds. */
    public static final long MAX_DURATION_SECONDS = 365L * 24 * 3600;
    /** Job priority range. */
    public static final int MIN_PRIORITY = 1;
    public static final int MAX_PRIORITY = 100;
    /** Steps of an operation, and tasks of one pipeline phase. */
    public static final int MAX_OPERATION_STEPS = 100;
    /** Retries of one operation task. */
    public static final int MAX_OPERATION_RETRIES = 100;
    /** Parameters of one action, each value at most {@link #MAX_STRING} characters. */
    public static final int MAX_ACTION_PARAMS = 64;
    public static final int DEFAULT_PRIORITY = 50;
}
