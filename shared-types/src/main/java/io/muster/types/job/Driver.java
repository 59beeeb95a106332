package io.muster.types.job;

import java.util.Optional;

/** The task driver a worker uses to run a task. A node must advertise the driver to receive the task. */
public enum Driver {
    /** A plain process on the worker host: {@code command} + {@code args}. */
    EXEC("exec"),
    /** A container from {@code image}; {@code command} (optional) overrides the image's command. */
    DOCKER("docker");

    private final String key;

    Driver(String key) {
        this.key = key;
    }

    /** The spelling used in job specs and in a node's advertised driver set. */
    public String key() {
        return key;
    }

    public static Optional<Driver> fromKey(String key) {
        for (Driver d : values()) {
            if (d.key.equals(key)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
