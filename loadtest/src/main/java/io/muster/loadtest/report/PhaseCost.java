package io.muster.loadtest.report;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a phase cost in CPU, per operation: the headline figure that does not depend on how loaded the machine was.
 * From the CPU seconds each watched process used over the phase (utime + stime deltas from /proc) and the
 * operations the simulated workers saw succeed in it, all charged to the one operation the phase exists to measure
 * (a join's registrations, the steady phase's heartbeats, a fanout's deliveries, an operation's task × node runs). Servers are the processes named
 * {@code server-*}; the leader is the one that led when the phase began (a failover phase moves it).
 */
public final class PhaseCost {
    private PhaseCost() {}

    /** The operation a phase exists to measure; all of the phase's server CPU is charged to it. */
    public enum Operation {
        HEARTBEAT("heartbeat", 1e6, "us"), REGISTRATION("registration", 1e3, "ms"), DELIVERED_ALLOCATION("delivered_allocation", 1e6, "us"),
        /** One operation task on one node, delivered to its end acknowledged. */
        OPERATION_TASK("operation_task", 1e3, "ms");

        final String key;
        final double scale;
        final String unit;

        Operation(String key, double scale, String unit) {
            this.key = key;
            this.scale = scale;
            this.unit = unit;
        }
    }

    /**
     * @param cpuSeconds CPU seconds per process name over the phase (processes gone mid-phase are left out)
     * @param leader the leading server's process name at the phase's start, or null if unknown
     * @param operation what the phase measures (null: report CPU seconds only, e.g. a failover)
     * @param count how many of it succeeded in the phase
     */
    public static Map<String, Object> of(Map<String, Double> cpuSeconds, String leader, Operation operation, long count) {
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
        if (anyServer) out.put("servers_cpu_seconds", round(servers));
        if (leader != null) out.put("leader", leader);
        if (operation == null || count <= 0) return out;
        out.put("operation", operation.key);
        out.put("operations", count);
        String suffix = "_cpu_" + operation.unit + "_per_" + operation.key;
        if (anyServer) out.put("servers" + suffix, round(servers * operation.scale / count));
        Double leaderCpu = leader == null ? null : cpuSeconds.get(leader);
        if (leaderCpu != null) out.put("leader" + suffix, round(leaderCpu * operation.scale / count));
        Double sim = cpuSeconds.get("simulator");
        if (sim != null) out.put("simulator" + suffix, round(sim * operation.scale / count));
        return out;
    }

    /** One line for the console, e.g. "servers 312 µs/heartbeat (leader 120), simulator 200". */
    public static String line(Map<?, ?> cost) {
        if (!(cost.get("operation") instanceof String op)) return "";
        for (Operation o : Operation.values()) {
            if (!o.key.equals(op)) continue;
            String suffix = "_cpu_" + o.unit + "_per_" + o.key;
            String unit = ("us".equals(o.unit) ? "µs" : o.unit) + "/" + o.key.replace('_', ' ');
            StringBuilder b = new StringBuilder();
            if (cost.get("servers" + suffix) instanceof Number n) {
                b.append("servers ").append(fmt(n)).append(' ').append(unit);
                if (cost.get("leader" + suffix) instanceof Number l) b.append(" (leader ").append(fmt(l)).append(')');
            }
            if (cost.get("simulator" + suffix) instanceof Number n)
                b.append(b.isEmpty() ? "simulator " + fmt(n) + " " + unit : ", simulator " + fmt(n));
            return b.toString();
        }
        return "";
    }

    private static String fmt(Number n) {
        double v = n.doubleValue();
        return v >= 100 ? String.format("%,.0f", v) : String.format("%.1f", v);
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
