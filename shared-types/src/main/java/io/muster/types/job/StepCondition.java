package io.muster.types.job;

import java.util.Optional;

/**
 * When an operation step runs, judged when the step before it has ended. "A failure" is a task that failed on a node
 * after its retries, in any earlier step.
 */
public enum StepCondition {
    /** The default: runs in the normal flow, on the nodes still in the job (fail-fast ends the normal flow). */
    ALWAYS("always"),
    /** Runs only if nothing has failed anywhere. */
    ON_SUCCESS("on_success"),
    /** Runs only if something failed, on every node of the target that is still up (the rollback). */
    ON_FAILURE("on_failure");

    private final String key;

    StepCondition(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Optional<StepCondition> fromKey(String key) {
        for (StepCondition s : values()) if (s.key.equals(key)) return Optional.of(s);
        return Optional.empty();
    }
}
