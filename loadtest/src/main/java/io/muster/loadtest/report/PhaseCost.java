package io.muster.loadtest.report;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a phase cost in CPU, per operation: the headline figure that does not depend on how loaded the machine was.
 * From the CPU seconds each watched process used over the phase (utime + stime deltas from /proc) and the
 * operations the simulated workers saw succeed in it. Servers are the processes named {@code server-*}; the leader
 * is the one that led when the phase began (a failover phase moves it).
 */
public final class PhaseCost {
    private PhaseCost() {}

    /**
     * @param cpuSeconds CPU seconds per process name over the phase (processes gone mid-phase are left out)
     * @param leader the leading server's process name at the phase's start, or null if unknown
     */
    public static Map<String, Object> of(Map<String, Double> cpuSeconds, String leader, long heartbeats, long registrations,
                                         long allocationsDelivered) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Double> perProcess = new LinkedHashMap<>();
        double servers = 0;
        boolean anyServer = false;
        for (Map.Entry<String, Double> e : cpuSeconds.entrySet()) {
            perProcess.put(e.getKey(), round(e.getValue()));
            if (e.getKey().startsWith("server-")) {
                servers += e.getValue();
                anyServer = true;
            }
        }
        out.put("cpu_seconds", perProcess);
        if (!anyServer) return out; // an external cluster: only the simulator's side is known
        out.put("servers_cpu_seconds", round(servers));
        Double leaderCpu = leader == null ? null : cpuSeconds.get(leader);
        if (leader != null) out.put("leader", leader);
        Double sim = cpuSeconds.get("simulator");
        if (heartbeats > 0) {
            out.put("servers_cpu_us_per_heartbeat", round(servers * 1e6 / heartbeats));
            if (leaderCpu != null) out.put("leader_cpu_us_per_heartbeat", round(leaderCpu * 1e6 / heartbeats));
            if (sim != null) out.put("simulator_cpu_us_per_heartbeat", round(sim * 1e6 / heartbeats));
        }
        if (registrations > 0) {
            out.put("servers_cpu_ms_per_registration", round(servers * 1e3 / registrations));
            if (leaderCpu != null) out.put("leader_cpu_ms_per_registration", round(leaderCpu * 1e3 / registrations));
        }
        if (allocationsDelivered > 0) {
            out.put("servers_cpu_us_per_delivered_allocation", round(servers * 1e6 / allocationsDelivered));
            if (leaderCpu != null) out.put("leader_cpu_us_per_delivered_allocation", round(leaderCpu * 1e6 / allocationsDelivered));
        }
        return out;
    }

    /** One line for the console: the per-operation figures present, e.g. "servers 312 µs/heartbeat (leader 120)". */
    public static String line(Map<?, ?> cost) {
        StringBuilder b = new StringBuilder();
        append(b, cost, "servers_cpu_us_per_heartbeat", "leader_cpu_us_per_heartbeat", "µs/heartbeat");
        append(b, cost, "servers_cpu_ms_per_registration", "leader_cpu_ms_per_registration", "ms/registration");
        append(b, cost, "servers_cpu_us_per_delivered_allocation", "leader_cpu_us_per_delivered_allocation", "µs/delivered allocation");
        if (cost.get("simulator_cpu_us_per_heartbeat") instanceof Number n) b.append(b.isEmpty() ? "" : "; ").append("simulator ")
                .append(fmt(n)).append(" µs/heartbeat");
        return b.toString();
    }

    private static void append(StringBuilder b, Map<?, ?> cost, String all, String leader, String unit) {
        if (!(cost.get(all) instanceof Number n)) return;
        if (!b.isEmpty()) b.append("; ");
        b.append("servers ").append(fmt(n)).append(' ').append(unit);
        if (cost.get(leader) instanceof Number l) b.append(" (leader ").append(fmt(l)).append(')');
    }

    private static String fmt(Number n) {
        double v = n.doubleValue();
        return v >= 100 ? String.format("%,.0f", v) : String.format("%.1f", v);
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
