package io.muster.types.job;

import java.util.List;
import java.util.Optional;

/**
 * Comparison of a node attribute with a constraint's {@code value}.
 *
 * <p>A node that lacks the attribute satisfies only the negative operators ({@code !=}, {@code not_in},
 * {@code not_exists}): "not web" includes "no role at all".
 */
public enum ConstraintOperator {
    /** Attribute equals value (exact, case-sensitive). Alias {@code ==}. */
    EQ("=", "=="),
    /** Attribute absent or different from value. */
    NE("!="),
    /** Attribute equals one of the comma-separated values (a YAML list is also accepted and joined). */
    IN("in"),
    /** Attribute absent or equal to none of the comma-separated values. */
    NOT_IN("not_in"),
    /** Attribute contains a match of the Java regular expression in value ({@link java.util.regex.Matcher#find}). */
    REGEXP("regexp"),
    /** Attribute present (any value); takes no value. Alias {@code is_set}. */
    EXISTS("exists", "is_set"),
    /** Attribute absent; takes no value. Alias {@code is_not_set}. */
    NOT_EXISTS("not_exists", "is_not_set");

    private final String symbol;
    private final List<String> aliases;

    ConstraintOperator(String symbol, String... aliases) {
        this.symbol = symbol;
        this.aliases = List.of(aliases);
    }

    /** The canonical spelling, written to canonical JSON and used in messages. */
    public String symbol() {
        return symbol;
    }

    /** Whether the operator compares against a {@code value} (all but exists / not_exists). */
    public boolean takesValue() {
        return this != EXISTS && this != NOT_EXISTS;
    }

    /** Whether {@code value} is a comma-separated list. */
    public boolean takesList() {
        return this == IN || this == NOT_IN;
    }

    /** Every accepted spelling, canonical ones first (used for "did you mean" hints). */
    public static List<String> spellings() {
        java.util.ArrayList<String> all = new java.util.ArrayList<>();
        for (ConstraintOperator op : values()) {
            all.add(op.symbol);
        }
        for (ConstraintOperator op : values()) {
            all.addAll(op.aliases);
        }
        return List.copyOf(all);
    }

    public static Optional<ConstraintOperator> fromSymbol(String s) {
        for (ConstraintOperator op : values()) {
            if (op.symbol.equals(s) || op.aliases.contains(s)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
