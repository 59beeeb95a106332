package io.muster.scheduler;

import io.muster.types.job.Constraint;
import io.muster.types.job.NodeAttribute;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One static feasibility check, the scheduler's counterpart of a Nomad feasibility iterator. Checks are chained
 * in a fixed order (readiness, job constraints, group constraints, drivers, enforced limits); a node is counted in metrics under
 * the first one it fails. Resources are checked separately because they change as the plan places work.
 */
sealed interface NodeCheck permits NodeCheck.Ready, NodeCheck.ConstraintCheck, NodeCheck.DriverCheck, NodeCheck.LimitsCheck {

    boolean test(NodeView node);

    /** The metric key for nodes this check rejects. */
    String label();

    /** READY and eligible. */
    record Ready() implements NodeCheck {
        @Override
        public boolean test(NodeView node) {
            return node.schedulable();
        }

        @Override
        public String label() {
            return AllocMetric.NOT_READY;
        }
    }

    /** The node advertises the driver. */
    record DriverCheck(String driver) implements NodeCheck {
        @Override
        public boolean test(NodeView node) {
            return node.drivers().contains(driver);
        }

        @Override
        public String label() {
            return "driver " + driver + " missing";
        }
    }

    /** The group requires enforced resource limits ({@code resources: {enforce: true}}) and the node has them. */
    record LimitsCheck() implements NodeCheck {
        static final String LABEL = "resource limits not enforced (no usable cgroups)";

        @Override
        public boolean test(NodeView node) {
            return node.limitsEnforced();
        }

        @Override
        public String label() {
            return LABEL;
        }
    }

    /** A job or group constraint, with its list or pattern compiled once per pass. */
    record ConstraintCheck(Constraint constraint, Set<String> values, Pattern pattern) implements NodeCheck {

        static ConstraintCheck compile(Constraint c) {
            return switch (c.operator()) {
                case IN, NOT_IN -> new ConstraintCheck(c, Set.copyOf(c.values()), null);
                case REGEXP -> new ConstraintCheck(c, Set.of(), Pattern.compile(c.value()));
                default -> new ConstraintCheck(c, Set.of(), null);
            };
        }

        @Override
        public boolean test(NodeView node) {
            String v = attribute(constraint.attribute(), node);
            return switch (constraint.operator()) {
                case EQ -> v != null && v.equals(constraint.value());
                case NE -> v == null || !v.equals(constraint.value());
                case IN -> v != null && values.contains(v);
                case NOT_IN -> v == null || !values.contains(v);
                case REGEXP -> v != null && pattern.matcher(v).find();
                case EXISTS -> v != null;
                case NOT_EXISTS -> v == null;
            };
        }

        @Override
        public String label() {
            return "constraint " + constraint;
        }

        /** The node's value for the attribute, or {@code null} when it has none. */
        static String attribute(NodeAttribute attribute, NodeView node) {
            return switch (attribute) {
                case NodeAttribute.Label l -> node.labels().get(l.key());
                case NodeAttribute.Os o -> node.os().isEmpty() ? null : node.os();
                case NodeAttribute.Arch a -> node.arch().isEmpty() ? null : node.arch();
                case NodeAttribute.Id i -> Long.toString(node.id());
                case NodeAttribute.DriverPresent d -> node.drivers().contains(d.name()) ? "true" : null;
            };
        }
    }
}
