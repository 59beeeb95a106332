package io.muster.server.events;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What an event is about. Secrets and ACL tokens are no topic at all: no event carries a secret's name or value, nor a
 * token. {@link #DEPLOYMENT}: Muster replaces a job's allocations when its spec changes (no rolling deployment object),
 * so its one event is {@code DeploymentStarted}, when a new version of a job replaces the previous one.
 */
public enum Topic {
    JOB("Job"),
    NODE("Node"),
    ALLOCATION("Allocation"),
    DEPLOYMENT("Deployment"),
    OPERATION("Operation");

    private final String wire;

    Topic(String wire) {
        this.wire = wire;
    }

    /** The name on the wire and in {@code ?topic=}: {@code Job}, {@code Node}, ... */
    public String wire() {
        return wire;
    }

    /** By wire name, case-insensitive ({@code job} is {@code Job}); {@code *} is every topic. */
    public static Optional<Set<Topic>> parse(String name) {
        if (name.equals("*")) return Optional.of(EnumSet.allOf(Topic.class));
        for (Topic t : values()) if (t.wire.equalsIgnoreCase(name)) return Optional.of(EnumSet.of(t));
        return Optional.empty();
    }

    @Override
    public String toString() {
        return wire;
    }
}
