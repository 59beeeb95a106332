package io.muster.worker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The worker's meters, in a registry of its own (never the global one: tests run several workers in one JVM). Names
 * follow the Prometheus conventions under {@code muster_agent_} (README, "Worker metrics").
 */
public final class AgentMetrics implements WorkerMetrics, AutoCloseable {
    /** The client states an allocation can be in on this worker (the wire names). */
    static final String[] STATES = {"pending", "running", "complete", "failed", "lost", "stopped"};
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Timer heartbeatRtt;
    private final Counter heartbeatsOk;
    private final Counter heartbeatsFailed;
    private final Timer pollDuration;
    private final Counter[] polls = new Counter[PollResult.values().length];
    private final Counter registrations;
    private final Counter reconnects;
    private final Counter taskStarts;
    private final Counter taskExits;
    private final Counter taskRestarts;
    private final Counter taskSetupFailures;
    private final Counter logBytes;

    public AgentMetrics() {
        MeterRegistry r = registry;
        heartbeatRtt = Timer.builder("muster.agent.heartbeat.rtt").serviceLevelObjectives(BUCKETS)
                .description("Round trip of a status report (heartbeat) to the servers, acknowledged or failed").register(r);
        heartbeatsOk = Counter.builder("muster.agent.heartbeats").tag("result", "ok").description("Status reports sent").register(r);
        heartbeatsFailed = Counter.builder("muster.agent.heartbeats").tag("result", "error").description("Status reports sent").register(r);
        pollDuration = Timer.builder("muster.agent.poll.duration").serviceLevelObjectives(BUCKETS)
                .description("Time a long poll took, the server's wait for new assignments included").register(r);
        for (PollResult p : PollResult.values())
            polls[p.ordinal()] = Counter.builder("muster.agent.polls").tag("result", p.label()).description("Long polls by how they ended").register(r);
        registrations = Counter.builder("muster.agent.registrations").description("Registrations with a join token").register(r);
        reconnects = Counter.builder("muster.agent.reconnects")
                .description("Connections to the servers replaced (failover, renewed certificate, server removed)").register(r);
        taskStarts = Counter.builder("muster.agent.task.starts").description("Tasks started or re-attached").register(r);
        taskExits = Counter.builder("muster.agent.task.exits").description("Tasks that ended by themselves (exit, timeout, out of memory)").register(r);
        taskRestarts = Counter.builder("muster.agent.task.restarts").description("Task restarts by the restart policy").register(r);
        taskSetupFailures = Counter.builder("muster.agent.task.setup.failures").description("Tasks that could not be started").register(r);
        logBytes = Counter.builder("muster.agent.log.shipped").baseUnit("bytes").description("Task output sent to the servers").register(r);
        new JvmMemoryMetrics().bindTo(r);
        gc.bindTo(r);
        new JvmThreadMetrics().bindTo(r);
        new ClassLoaderMetrics().bindTo(r);
        new ProcessorMetrics().bindTo(r);
        new UptimeMetrics().bindTo(r);
    }

    /**
     * Allocations on this worker by client state, read at scrape time.
     *
     * @param states allocation id to state (the {@code AllocState} names, e.g. {@code ALLOC_RUNNING}); empty before the worker runs
     */
    public void bindAllocations(Supplier<Map<String, String>> states) {
        for (String s : STATES) {
            String wanted = "ALLOC_" + s.toUpperCase(Locale.ROOT);
            Gauge.builder("muster.agent.allocations", () -> states.get().values().stream().filter(wanted::equals).count())
                    .tag("state", s).description("Allocations on this worker by client state").register(registry);
        }
    }

    /** Every meter in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void heartbeat(long nanos, boolean ok) {
        heartbeatRtt.record(nanos, TimeUnit.NANOSECONDS);
        (ok ? heartbeatsOk : heartbeatsFailed).increment();
    }

    @Override
    public void poll(long nanos, PollResult result) {
        pollDuration.record(nanos, TimeUnit.NANOSECONDS);
        polls[result.ordinal()].increment();
    }

    @Override
    public void registered() {
        registrations.increment();
    }

    @Override
    public void reconnected() {
        reconnects.increment();
    }

    @Override
    public void taskEvent(String type) {
        switch (type) {
            case "ALLOC_EVENT_TASK_STARTED" -> taskStarts.increment();
            case "ALLOC_EVENT_TASK_EXITED", "ALLOC_EVENT_TIMED_OUT", "ALLOC_EVENT_OOM_KILLED" -> taskExits.increment();
            case "ALLOC_EVENT_RESTARTING" -> taskRestarts.increment();
            case "ALLOC_EVENT_SETUP_FAILED" -> taskSetupFailures.increment();
            default -> { } // received, stopped, completed...: allocation events, not task ones
        }
    }

    @Override
    public void logBytesShipped(long bytes) {
        if (bytes > 0) logBytes.increment(bytes);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
