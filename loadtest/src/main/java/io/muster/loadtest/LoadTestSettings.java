package io.muster.loadtest;

import io.muster.types.config.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A validated run configuration. {@code token} and {@code aclToken} are secrets: {@link #forReport()} and
 * {@link #toString()} never show them.
 */
public record LoadTestSettings(int workers, List<HostPort> servers, String token, Path tokenFile, String api, String aclToken,
                               Path caCert, Set<Scenario> scenarios, Duration duration, long allocations, double heartbeatRate,
                               double churnRate, boolean local, Path reportDir, Duration maxRuntime, int joinConcurrency,
                               int jobSize, Duration allocRuntime, FailoverMode failover, int pollWaitSecs, String localHeap,
                               Duration stallTimeout, boolean keepLocal, int warmupWorkers, int operationSteps,
                               Duration operationSleep, String commandLine) {

    public enum FailoverMode { AUTO, TRANSFER, KILL }

    /** The operation scenario's test action as given: succeed, or sleep:DURATION (zero sleep is succeed). */
    public String operationAction() {
        return operationSleep.isZero() ? "succeed" : "sleep:" + operationSleep.toMillis() + "ms";
    }

    public boolean runs(Scenario s) {
        return scenarios.contains(s);
    }

    /** Churn joins this run will make at most: rate × duration, rounded up. */
    public int churnJoins() {
        return runs(Scenario.CHURN) ? (int) Math.ceil(churnRate * duration.toMillis() / 1000.0) : 0;
    }

    /** Registrations the token must allow. */
    public int registrationsNeeded() {
        return warmupWorkers + workers + churnJoins();
    }

    /** Kill needs processes we own; transfer works against any cluster. */
    public FailoverMode effectiveFailover() {
        if (failover != FailoverMode.AUTO) return failover;
        return local ? FailoverMode.KILL : FailoverMode.TRANSFER;
    }

    public Map<String, Object> forReport() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", workers);
        m.put("servers", servers.stream().map(HostPort::toString).toList());
        m.put("token", token == null ? "created by the tool" : tokenFile != null ? "from " + tokenFile : "given on the command line (not shown)");
        m.put("api", api);
        m.put("acl_token", aclToken == null ? null : "given (not shown)");
        m.put("ca_cert", caCert == null ? null : caCert.toString());
        m.put("scenarios", scenarios.stream().map(Scenario::key).collect(Collectors.toList()));
        m.put("duration_secs", duration.toMillis() / 1000.0);
        m.put("allocations", allocations);
        m.put("heartbeat_rate", heartbeatRate);
        m.put("churn_rate", churnRate);
        m.put("local", local);
        m.put("max_runtime_secs", maxRuntime.toSeconds());
        m.put("join_concurrency", joinConcurrency);
        m.put("job_size", jobSize);
        m.put("alloc_runtime_secs", allocRuntime.toMillis() / 1000.0);
        m.put("failover", effectiveFailover().name().toLowerCase());
        m.put("poll_wait_secs", pollWaitSecs);
        if (local) m.put("local_server_heap", localHeap);
        m.put("stall_timeout_secs", stallTimeout.toSeconds());
        m.put("warmup_workers", warmupWorkers);
        if (runs(Scenario.OPERATION)) {
            m.put("operation_steps", operationSteps);
            m.put("operation_action", operationAction());
        }
        return m;
    }

    @Override
    public String toString() {
        return "LoadTestSettings" + forReport();
    }
}
