package io.muster.types.job;

import static io.muster.types.job.JobSpecLimits.*;
import static io.muster.types.yaml.SourceTree.join;

import io.muster.types.yaml.SourceTree.Arr;
import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import io.muster.types.yaml.Suggestions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads a {@code constraints} list (of a job or a group): attribute, operator and value, checked per operator. */
final class ConstraintReader extends SpecValues {
    static final List<String> CONSTRAINT_KEYS = List.of("attribute", "operator", "value");

    private static final Pattern NODE_ID = Pattern.compile("[0-9]{1,19}");

    ConstraintReader(List<SpecError> errors) {
        super(errors);
    }

    List<Constraint> read(SpecValues.Fields f, String key) {
        if (!f.has(key)) {
            return List.of();
        }
        List<Node> items = list(f.get(key), f.path(key), 0, MAX_CONSTRAINTS, "constraint");
        if (items == null) {
            return null;
        }
        List<Constraint> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            Constraint c = constraint(items.get(i), f.path(key) + "[" + i + "]");
            ok &= c != null;
            out.add(c);
        }
        return ok ? out : null;
    }

    private Constraint constraint(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, CONSTRAINT_KEYS);
        NodeAttribute attribute = null;
        if (!f.has("attribute")) {
            f.missing("attribute", "is required, e.g. label.role, node.os, node.arch, node.id");
        } else {
            String a = text(f.get("attribute"), f.path("attribute"), 256, false);
            if (a != null) {
                try {
                    attribute = NodeAttribute.parse(a);
                } catch (IllegalArgumentException e) {
                    error(f.path("attribute"), f.get("attribute").loc(),
                            e.getMessage() + Suggestions.hint(a, NodeAttribute.KNOWN_SPELLINGS));
                }
            }
        }
        ConstraintOperator op = ConstraintOperator.EQ;
        if (f.has("operator")) {
            String o = text(f.get("operator"), f.path("operator"), 64, false);
            op = o == null ? null : ConstraintOperator.fromSymbol(o).orElse(null);
            if (o != null && op == null) {
                error(f.path("operator"), f.get("operator").loc(), "unknown operator '" + o + "'; expected one of "
                        + String.join(", ", ConstraintOperator.spellings())
                        + Suggestions.hint(o, ConstraintOperator.spellings()));
            }
        }
        if (op == null) {
            return null;
        }
        String value = null;
        if (!op.takesValue()) {
            if (f.has("value")) {
                error(f.path("value"), f.get("value").loc(), "operator " + op.symbol() + " takes no value");
                return null;
            }
        } else if (!f.has("value")) {
            f.missing("value", "is required for operator " + op.symbol());
            return null;
        } else {
            value = constraintValue(f.get("value"), f.path("value"), op, attribute);
            if (value == null) {
                return null;
            }
        }
        return attribute == null ? null : new Constraint(attribute, op, value);
    }

    private String constraintValue(Node node, String path, ConstraintOperator op, NodeAttribute attribute) {
        String value;
        if (node instanceof Arr arr && op.takesList()) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < arr.items().size(); i++) {
                String s = text(arr.items().get(i), path + "[" + i + "]", MAX_STRING, true);
                if (s == null) {
                    return null;
                }
                if (s.contains(",")) {
                    error(path + "[" + i + "]", arr.items().get(i).loc(), "must not contain a comma");
                    return null;
                }
                parts.add(s);
            }
            value = String.join(",", parts);
        } else {
            value = text(node, path, op == ConstraintOperator.REGEXP ? MAX_REGEXP : MAX_STRING, true);
            if (value == null) {
                return null;
            }
        }
        if (op.takesList()) {
            boolean blank = Arrays.stream(value.split(",", -1)).anyMatch(s -> s.trim().isEmpty());
            if (blank) {
                error(path, node.loc(), "must be a comma-separated list of non-empty values");
                return null;
            }
        }
        if (op == ConstraintOperator.REGEXP) {
            try {
                Pattern.compile(value);
            } catch (PatternSyntaxException e) {
                error(path, node.loc(), "is not a valid regular expression: " + e.getDescription()
                        + " near index " + e.getIndex());
                return null;
            }
        }
        if (attribute instanceof NodeAttribute.Id && op != ConstraintOperator.REGEXP) {
            for (String v : new Constraint(attribute, op, value).values()) {
                if (!NODE_ID.matcher(v).matches()) {
                    error(path, node.loc(), "'" + v + "' is not a node id (node ids are non-negative integers)");
                    return null;
                }
            }
        }
        return value;
    }
}
