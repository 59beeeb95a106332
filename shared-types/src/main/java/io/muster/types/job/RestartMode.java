package io.muster.types.job;

import java.util.Optional;

/** What a worker does once a task has used up its restart {@code attempts}. */
public enum RestartMode {
    /** Give up: the task, and so the allocation, fails; the server may then reschedule it elsewhere. */
    FAIL("fail"),
    /** Keep restarting in place, every {@code max_delay}, without ever failing the allocation. */
    DELAY("delay");

    private final String key;

    RestartMode(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Optional<RestartMode> fromKey(String key) {
        for (RestartMode m : values()) {
            if (m.key.equals(key)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
