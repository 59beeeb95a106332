package io.muster.scheduler;

import io.muster.types.job.Constraint;
import io.muster.types.job.Driver;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobType;
import io.muster.types.job.PlacementStrategy;
import io.muster.types.job.ReschedulePolicy;
import io.muster.types.job.RestartPolicy;
import io.muster.types.job.TaskGroup;
import io.muster.types.job.TaskResources;
import io.muster.types.job.TaskSpec;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** Builders for nodes, jobs and contexts used across scheduler tests. */
final class Fixtures {
    private Fixtures() {
    }

    static final long NOW = 1_700_000_000_000L;

    /** A READY, eligible linux/amd64 node with exec and docker, 4000 CPU and 8192 MiB. */
    static NodeView node(long id) {
        return new NodeView(id, NodeStatus.READY, true, "linux", "amd64", Map.of(), Set.of("exec", "docker"),
                new Resources(4000, 8192));
    }

    static NodeView node(long id, Map<String, String> labels) {
        return withLabels(node(id), labels);
    }

    static NodeView withLabels(NodeView n, Map<String, String> labels) {
        return new NodeView(n.id(), n.status(), n.eligible(), n.os(), n.arch(), labels, n.drivers(), n.capacity());
    }

    static NodeView withCapacity(NodeView n, int cpu, int mem) {
        return new NodeView(n.id(), n.status(), n.eligible(), n.os(), n.arch(), n.labels(), n.drivers(),
                new Resources(cpu, mem));
    }

    static NodeView withDrivers(NodeView n, String... drivers) {
        return new NodeView(n.id(), n.status(), n.eligible(), n.os(), n.arch(), n.labels(), Set.of(drivers),
                n.capacity());
    }

    static NodeView withPlatform(NodeView n, String os, String arch) {
        return new NodeView(n.id(), n.status(), n.eligible(), os, arch, n.labels(), n.drivers(), n.capacity());
    }

    static InMemoryClusterView cluster(int nodes) {
        InMemoryClusterView v = new InMemoryClusterView();
        for (int i = 1; i <= nodes; i++) {
            v.putNode(node(i));
        }
        return v;
    }

    static TaskGroup group(String name, int count, PlacementStrategy placement, int cpu, int mem, JobType type) {
        TaskSpec task = TaskSpec.exec("main", "sleep", List.of("60")).withResources(new TaskResources(cpu, mem));
        return new TaskGroup(name, count, placement, List.of(), RestartPolicy.defaultFor(type),
                ReschedulePolicy.defaultFor(type), List.of(task));
    }

    static TaskGroup dockerGroup(String name, int count) {
        TaskSpec task = new TaskSpec("main", Driver.DOCKER, null, List.of(), "busybox", Map.of(),
                new TaskResources(100, 64), null, false, null, null);
        return new TaskGroup(name, count, PlacementStrategy.PACK, List.of(), RestartPolicy.defaultFor(JobType.SERVICE),
                ReschedulePolicy.defaultFor(JobType.SERVICE), List.of(task));
    }

    static JobSpec job(String id, JobType type, TaskGroup... groups) {
        return new JobSpec(id, type, 50, null, List.of(), List.of(groups));
    }

    static JobSpec service(String id, int count, int cpu, int mem) {
        return job(id, JobType.SERVICE, group("web", count, PlacementStrategy.PACK, cpu, mem, JobType.SERVICE));
    }

    static JobSpec spread(String id, int count, int cpu, int mem) {
        return job(id, JobType.SERVICE, group("web", count, PlacementStrategy.SPREAD, cpu, mem, JobType.SERVICE));
    }

    static JobSpec withConstraints(JobSpec job, Constraint... constraints) {
        return job.withConstraints(List.of(constraints));
    }

    /** Alloc ids unique across every context a test creates (tests apply several plans to one view). */
    private static final AtomicLong IDS = new AtomicLong();

    static SchedulerContext ctx(long seed) {
        return ctx(NOW, seed);
    }

    static SchedulerContext ctx(long now, long seed) {
        return new SchedulerContext(now, new SplittableRandom(seed), () -> "p" + IDS.incrementAndGet());
    }

    static AllocView alloc(String id, String job, String group, int index, long node, Resources r, AllocStatus s) {
        return new AllocView(id, job, group, index, node, r, s, true, 0, s.isTerminal() ? NOW : 0L);
    }

    /** Placements per node id. */
    static Map<Long, Integer> perNode(Collection<Placement> placements) {
        return placements.stream().collect(Collectors.groupingBy(Placement::nodeId, Collectors.summingInt(p -> 1)));
    }

    /** Live usage per node never exceeds capacity. */
    static void assertWithinCapacity(ClusterView view) {
        for (NodeView n : view.nodes()) {
            long cpu = 0;
            long mem = 0;
            for (AllocView a : view.allocsOnNode(n.id())) {
                if (a.live()) {
                    cpu += a.resources().cpu();
                    mem += a.resources().memoryMb();
                }
            }
            if (cpu > n.capacity().cpu() || mem > n.capacity().memoryMb()) {
                throw new AssertionError("node " + n.id() + " over capacity: cpu " + cpu + "/" + n.capacity().cpu()
                        + ", memory " + mem + "/" + n.capacity().memoryMb());
            }
        }
    }

    /** Live allocations of a job by group and index. */
    static Map<String, List<AllocView>> live(ClusterView view, String job) {
        Map<String, List<AllocView>> m = new HashMap<>();
        for (AllocView a : view.allocsOfJob(job)) {
            if (a.live()) {
                m.computeIfAbsent(a.group(), g -> new ArrayList<>()).add(a);
            }
        }
        return m;
    }
}
