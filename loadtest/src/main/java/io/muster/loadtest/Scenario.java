package io.muster.loadtest;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The scenarios, in the order a run executes them (join first: every other scenario needs the fleet). */
public enum Scenario {
    JOIN, STEADY, FANOUT, OPERATION, FAILOVER, CHURN;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code all} or a comma-separated list; unknown names are a usage error naming the valid ones. */
    public static Set<Scenario> parse(String text) {
        EnumSet<Scenario> out = EnumSet.noneOf(Scenario.class);
        for (String part : text.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) continue;
            if (p.equals("all")) {
                out.addAll(EnumSet.allOf(Scenario.class));
                continue;
            }
            try {
                out.add(valueOf(p.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--scenario: unknown scenario '" + part.trim() + "' (choose from "
                        + String.join(", ", List.of("join", "steady", "fanout", "operation", "failover", "churn", "all")) + ")");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--scenario: name at least one scenario (or all)");
        return out;
    }
}
