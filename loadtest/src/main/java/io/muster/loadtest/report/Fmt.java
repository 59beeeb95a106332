package io.muster.loadtest.report;

import java.util.Locale;
import java.util.Map;

/** Number formatting and the one-line description of each phase, shared by the console table and the HTML page. */
final class Fmt {
    private Fmt() {}

    static String num(Object o) {
        if (o == null) return "-";
        if (o instanceof Double d) return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%,.0f", d) : String.format(Locale.ROOT, "%,.2f", d);
        if (o instanceof Float d) return num(d.doubleValue());
        if (o instanceof Number n) return String.format(Locale.ROOT, "%,d", n.longValue());
        return String.valueOf(o);
    }

    static String ms(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String g(Map<String, Object> f, String k) {
        return num(f.get(k));
    }

    /** The headline figures of a phase, from its figures map. */
    static String headline(PhaseReport p) {
        Map<String, Object> f = p.figures();
        if (f == null || f.isEmpty()) return p.message() == null ? "" : p.message();
        return switch (p.name()) {
            case "join", "warmup" -> String.format("%s registered in %s s (%s/s), %s ready after %s s, %s failed; keys took %s s", g(f, "registered"),
                    g(f, "registration_secs"), g(f, "registrations_per_sec"), g(f, "ready"), g(f, "ready_secs"), g(f, "failed"), g(f, "keygen_secs"));
            case "steady" -> String.format("%s heartbeats/s (%s), %s failed, %s wrongly marked down (%s down after their lease lapsed)",
                    g(f, "heartbeats_per_sec"), f.get("heartbeat_mode"), g(f, "heartbeats_failed"), g(f, "marked_down_lease_running"),
                    g(f, "marked_down_lease_lapsed"));
            case "fanout" -> String.format("%s allocations: placed in %s s (%s/s), all received in %s s, running in %s s; lost %s, misplaced %s, duplicates %s",
                    g(f, "allocations"), g(f, "placement_secs"), g(f, "placements_per_sec"), g(f, "all_received_secs"), g(f, "all_running_secs"),
                    g(f, "check_lost"), g(f, "check_misplaced"), g(f, "duplicate_deliveries"));
            case "failover" -> String.format("%s: leader %s -> %s, new leader after %s ms, writes stalled %s ms max; %s workers moved (heartbeating again: p50 %s ms, all %s ms); marked down %s+%s; lost %s",
                    f.get("mode"), g(f, "old_leader"), g(f, "new_leader"), g(f, "new_leader_ms"), g(f, "write_gap_max_ms"), g(f, "workers_moved_server"),
                    g(f, "moved_back_p50_ms"), g(f, "all_moved_back_ms"), g(f, "marked_down_lease_running"), g(f, "marked_down_lease_lapsed"), g(f, "check_lost"));
            case "operation" -> String.format("%s, %s step(s) × %s nodes: submit to done %s s, control-plane gap between steps %s ms mean (%s max); exactly once %s",
                    f.get("status"), g(f, "steps"), g(f, "target_nodes"), g(f, "submit_to_done_secs"), g(f, "control_plane_gap_mean_ms"),
                    g(f, "control_plane_gap_max_ms"), f.get("exactly_once"));
            case "churn" -> String.format("%s/s churn: %s left, %s joined, %s failed; %s wrongly marked down", g(f, "achieved_churn_per_sec"),
                    g(f, "left"), g(f, "joined"), g(f, "join_failed"), g(f, "marked_down_lease_running"));
            default -> f.toString();
        };
    }
}
