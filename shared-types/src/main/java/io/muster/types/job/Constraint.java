package io.muster.types.job;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A hard placement requirement: a node is feasible only if {@code attribute operator value} holds.
 *
 * @param attribute the node property tested
 * @param operator  the comparison
 * @param value     the right-hand side; {@code null} exactly when the operator takes no value (exists,
 *                  not_exists); a comma-separated list for in / not_in; a Java regular expression for regexp
 */
public record Constraint(NodeAttribute attribute, ConstraintOperator operator, String value) {

    public Constraint {
        Objects.requireNonNull(attribute, "attribute");
        Objects.requireNonNull(operator, "operator");
        if (operator.takesValue() != (value != null)) {
            throw new IllegalArgumentException(operator.takesValue()
                    ? "operator " + operator.symbol() + " needs a value"
                    : "operator " + operator.symbol() + " takes no value");
        }
    }

    /** Convenience for code: {@code Constraint.of("label.role", "=", "web")}. */
    public static Constraint of(String attribute, String operator, String value) {
        ConstraintOperator op = ConstraintOperator.fromSymbol(operator)
                .orElseThrow(() -> new IllegalArgumentException("unknown operator: " + operator));
        return new Constraint(NodeAttribute.parse(attribute), op, value);
    }

    /** The trimmed entries of a comma-separated {@code value} (in / not_in); a single entry otherwise. */
    public List<String> values() {
        if (value == null) {
            return List.of();
        }
        if (!operator.takesList()) {
            return List.of(value);
        }
        return Arrays.stream(value.split(",", -1)).map(String::trim).toList();
    }

    /** Canonical text, e.g. {@code label.role = web} or {@code node.driver.docker exists}; used in metrics. */
    @Override
    public String toString() {
        return value == null
                ? attribute + " " + operator.symbol()
                : attribute + " " + operator.symbol() + " " + value;
    }
}
