package io.muster.types.job;

import java.util.Optional;

/** What an operation does when a task fails on a node (after its retries). */
public enum FailureStrategy {
    /**
     * The default: the first failure ends the normal flow. The failing step's other running tasks are stopped, the
     * ones not started never start, and of the later steps only {@code on_failure} ones run (the rollback).
     */
    FAIL_FAST("fail-fast"),
    /** The failed node drops out of the later {@code always} and {@code on_success} steps; the others go on. */
    CONTINUE("continue");

    private final String key;

    FailureStrategy(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Optional<FailureStrategy> fromKey(String key) {
        for (FailureStrategy s : values()) if (s.key.equals(key)) return Optional.of(s);
        return Optional.empty();
    }
}
