package io.muster.scheduler;

import io.muster.types.job.Constraint;
import io.muster.types.job.OperationSpec;
import io.muster.types.job.OperationTask;
import io.muster.types.job.TargetScope;
import io.muster.types.state.NodeStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Resolves an operation's target to nodes, once, when the job is committed (a pure function, so every server
 * resolves it alike). A node of the scope is taken when it is ready, meets the job's constraints and offers every
 * driver, backend and action the steps use; otherwise it is listed as excluded with the first reason. Draining and
 * ineligible nodes are taken: an operation is explicit maintenance (drain a node, then patch it). Revoked nodes are
 * not part of any scope.
 */
public final class OperationTargets {
    private OperationTargets() {}

    /** A node as target resolution sees it: the scheduler's view plus its name and advertised action backends. */
    public record Candidate(NodeView node, String hostname, Map<String, List<String>> backends) {
        public Candidate {
            hostname = hostname == null ? "" : hostname;
            backends = backends == null ? Map.of() : backends;
        }

        /** The {@code name} label, else the hostname, else the id: how operators name a node. */
        public String name() {
            String label = node.labels().get("name");
            if (label != null && !label.isEmpty()) return label;
            return hostname.isEmpty() ? Long.toString(node.id()) : hostname;
        }
    }

    public record Excluded(long nodeId, String reason) {}

    /** The target: node ids in ascending order, and the excluded ones (also ascending). */
    public record Resolution(List<Long> nodes, List<Excluded> excluded) {
        public Resolution {
            nodes = List.copyOf(nodes);
            excluded = List.copyOf(excluded);
        }
    }

    /**
     * @throws IllegalArgumentException when a {@code node} target names no node, or more than one (a name two nodes share)
     */
    public static Resolution resolve(OperationSpec op, List<Constraint> constraints, Collection<Candidate> candidates) {
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingLong(c -> c.node().id()));
        List<Candidate> inScope = new ArrayList<>();
        for (Candidate c : sorted) {
            if (c.node().status() == NodeStatus.REVOKED) continue;
            if (inScope(op, c)) inScope.add(c);
        }
        if (op.target().scope() == TargetScope.NODE && inScope.size() != 1) {
            throw new IllegalArgumentException(inScope.isEmpty()
                    ? "no node is named " + op.target().value() + " (give a node id, hostname or name label)"
                    : inScope.size() + " nodes are named " + op.target().value() + ": give the node id");
        }
        List<NodeCheck.ConstraintCheck> checks = constraints.stream().map(NodeCheck.ConstraintCheck::compile).toList();
        List<Long> nodes = new ArrayList<>();
        List<Excluded> excluded = new ArrayList<>();
        for (Candidate c : inScope) {
            String why = whyNot(op, checks, c);
            if (why == null) nodes.add(c.node().id());
            else excluded.add(new Excluded(c.node().id(), why));
        }
        return new Resolution(nodes, excluded);
    }

    private static boolean inScope(OperationSpec op, Candidate c) {
        String value = op.target().value();
        return switch (op.target().scope()) {
            case ALL -> true;
            case GROUP -> {
                String groups = c.node().labels().get("group");
                yield groups != null && Arrays.stream(groups.split(",")).map(String::trim).anyMatch(value::equals);
            }
            case NODE -> Long.toString(c.node().id()).equals(value) || c.hostname().equals(value)
                    || value.equals(c.node().labels().get("name"));
        };
    }

    /** The first reason the node cannot run the operation, or null. */
    private static String whyNot(OperationSpec op, List<NodeCheck.ConstraintCheck> checks, Candidate c) {
        if (c.node().status() != NodeStatus.READY) return "node is " + c.node().status().wire();
        for (NodeCheck.ConstraintCheck check : checks) if (!check.test(c.node())) return check.label() + " not met";
        for (String driver : op.drivers()) if (!c.node().drivers().contains(driver)) return "driver " + driver + " missing";
        for (OperationTask t : op.allTasks()) {
            if (t.action() == null) continue;
            List<String> actions = c.backends().get(t.action().backend());
            if (actions == null) return "backend " + t.action().backend() + " not enabled";
            if (!actions.contains(t.action().action())) return "backend " + t.action().backend() + " has no action " + t.action().action();
        }
        return null;
    }
}
