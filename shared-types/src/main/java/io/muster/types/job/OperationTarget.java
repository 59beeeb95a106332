package io.muster.types.job;

import java.util.Objects;

/**
 * The nodes an operation runs on.
 *
 * @param scope {@code all}, {@code group} or {@code node}
 * @param value the group name (a node is in group G when its {@code group} label, a comma-separated list, holds G),
 *              or the node (its id, hostname or {@code name} label); {@code null} for {@code all}
 */
public record OperationTarget(TargetScope scope, String value) {
    public OperationTarget {
        Objects.requireNonNull(scope, "scope");
        if (scope == TargetScope.ALL && value != null) throw new IllegalArgumentException("scope all takes no value");
        if (scope != TargetScope.ALL && (value == null || value.isBlank()))
            throw new IllegalArgumentException("scope " + scope.key() + " needs a value");
    }

    public static final OperationTarget ALL = new OperationTarget(TargetScope.ALL, null);

    /** {@code all}, {@code group:web}, {@code node:7}: the CLI's {@code -t} spelling. */
    @Override
    public String toString() {
        return scope == TargetScope.ALL ? "all" : scope.key() + ":" + value;
    }
}
