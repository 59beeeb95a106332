package io.muster.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.loadtest.local.ProcStats;
import io.muster.loadtest.report.PhaseCost;
import io.muster.loadtest.sim.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A phase's CPU cost per operation, from utime + stime deltas of a fake /proc and the operations counted in the phase. */
class PhaseCostTest {
    @TempDir
    Path proc;

    /** Writes /proc/<pid>/stat with the given utime and stime ticks (fields 14 and 15), a command name with spaces. */
    private void stat(long pid, long utime, long stime) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        Files.writeString(dir.resolve("stat"), pid + " (java main) S 1 1 1 0 -1 4194560 10 0 0 0 " + utime + " " + stime + " 0 0 20 0 40 0 100 0 0\n");
        Files.writeString(dir.resolve("status"), "Name:\tjava\nVmRSS:\t  204800 kB\n");
    }

    @Test
    void serverAndLeaderCpuPerHeartbeatRegistrationAndDelivery() throws IOException {
        stat(101, 1000, 500);
        stat(102, 2000, 0);
        stat(103, 0, 0);
        stat(200, 300, 300);
        Metrics metrics = new Metrics();
        Sampler sampler = new Sampler(metrics, System.nanoTime(), () -> 0);
        sampler.watch("server-1", new ProcStats(101, proc));
        sampler.watch("server-2", new ProcStats(102, proc));
        sampler.watch("server-3", new ProcStats(103, proc));
        sampler.watch("simulator", new ProcStats(200, proc));

        sampler.beginPhase("steady");
        // Over the phase: server-1 +3 s (the leader), server-2 +1 s, server-3 +1 s, the simulator +2 s.
        stat(101, 1200, 600);
        stat(102, 2100, 0);
        stat(103, 50, 50);
        stat(200, 400, 400);
        metrics.add(Metrics.Count.HEARTBEATS, 50_000);
        metrics.add(Metrics.Count.REGISTERED, 1_000);
        metrics.add(Metrics.Count.ALLOCS_RECEIVED, 100_000);
        Sampler.PhaseData d = sampler.endPhase();

        assertEquals(Map.of("server-1", 3.0, "server-2", 1.0, "server-3", 1.0, "simulator", 2.0), d.cpuSeconds());
        Map<String, Object> beats = PhaseCost.of(d.cpuSeconds(), "server-1", LoadTestRun.measured("steady"), d.count(Metrics.Count.HEARTBEATS));
        assertEquals(5.0, beats.get("servers_cpu_seconds"));
        assertEquals(100.0, beats.get("servers_cpu_us_per_heartbeat")); // 5 s / 50,000
        assertEquals(60.0, beats.get("leader_cpu_us_per_heartbeat"));   // 3 s / 50,000
        assertEquals(40.0, beats.get("simulator_cpu_us_per_heartbeat"));
        assertEquals("servers 100 µs/heartbeat (leader 60.0), simulator 40.0", PhaseCost.line(beats));

        Map<String, Object> joins = PhaseCost.of(d.cpuSeconds(), "server-1", LoadTestRun.measured("join"), d.count(Metrics.Count.REGISTERED));
        assertEquals(5.0, joins.get("servers_cpu_ms_per_registration"));
        assertEquals(3.0, joins.get("leader_cpu_ms_per_registration"));
        assertFalse(joins.containsKey("servers_cpu_us_per_heartbeat"), "a join charges its CPU to registrations only");
        Map<String, Object> fanout = PhaseCost.of(d.cpuSeconds(), null, LoadTestRun.measured("fanout"), d.count(Metrics.Count.ALLOCS_RECEIVED));
        assertEquals(50.0, fanout.get("servers_cpu_us_per_delivered_allocation"));
        assertEquals("servers 50.0 µs/delivered allocation, simulator 20.0", PhaseCost.line(fanout));
        Map<String, Object> op = PhaseCost.of(d.cpuSeconds(), "server-1", LoadTestRun.measured("operation"), 3_000);
        assertEquals(5.0 / 3, (Double) op.get("servers_cpu_ms_per_operation_task"), 0.01); // 5 s / (1,000 nodes × 3 steps)
        assertEquals(1.0, op.get("leader_cpu_ms_per_operation_task"));
        assertEquals("servers 1.7 ms/operation task (leader 1.0), simulator 0.7", PhaseCost.line(op));
        assertEquals(null, LoadTestRun.measured("failover"));
    }

    @Test
    void aProcessGoneMidPhaseIsLeftOutAndNoOperationsMeansNoPerOperationFigure() throws IOException {
        stat(101, 100, 0);
        stat(102, 100, 0);
        Sampler sampler = new Sampler(new Metrics(), System.nanoTime(), () -> 0);
        sampler.watch("server-1", new ProcStats(101, proc));
        sampler.watch("server-2", new ProcStats(102, proc));
        sampler.beginPhase("failover");
        stat(101, 300, 0);
        Files.delete(proc.resolve("102").resolve("stat")); // killed
        Sampler.PhaseData d = sampler.endPhase();
        assertEquals(Map.of("server-1", 2.0), d.cpuSeconds());
        Map<String, Object> cost = PhaseCost.of(d.cpuSeconds(), null, LoadTestRun.measured("failover"), 0);
        assertEquals(2.0, cost.get("servers_cpu_seconds"));
        assertFalse(cost.containsKey("servers_cpu_us_per_heartbeat"));
        assertEquals("", PhaseCost.line(cost));
    }

    @Test
    void anExternalClusterReportsOnlyTheSimulator() {
        Map<String, Object> cost = PhaseCost.of(Map.of("simulator", 4.0), null, PhaseCost.Operation.HEARTBEAT, 1000);
        assertEquals(Map.of("simulator", 4.0), cost.get("cpu_seconds"));
        assertFalse(cost.containsKey("servers_cpu_seconds"));
        assertEquals(4000.0, cost.get("simulator_cpu_us_per_heartbeat"));
        assertEquals("simulator 4,000 µs/heartbeat", PhaseCost.line(cost));
    }
}
