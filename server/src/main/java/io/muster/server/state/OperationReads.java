package io.muster.server.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.muster.scheduler.OperationPlanner;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.OperationRecord;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecJson;
import io.muster.types.state.NodeStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Reads an operation job out of a snapshot for {@link OperationPlanner}: its spec (parsed once per job version), its
 * attempts and the target nodes that are up. The leader's operation service decides from it; the API shows it.
 */
public final class OperationReads {
    private final Cache<String, JobSpec> specs = Caffeine.newBuilder().maximumSize(1_000).build();

    /** The job's spec; the stored one was validated before it was committed. */
    public JobSpec spec(JobRecord j) {
        return specs.get(j.id() + "@" + j.version(), k -> JobSpecJson.fromJson(j.specJson().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The planner's input for {@code j} as of {@code snap} at {@code now}.
     *
     * @param failedSeenAt when a terminal attempt was first seen ended (the start of its retry backoff)
     */
    public OperationPlanner.Input input(ClusterSnapshot snap, JobRecord j, long now, ToLongFunction<AllocRecord> failedSeenAt) {
        JobSpec spec = spec(j);
        OperationRecord op = j.operation();
        List<OperationPlanner.Attempt> attempts = new ArrayList<>();
        for (AllocRecord a : snap.allocsOfJob(j.id())) {
            if (a.jobVersion() != j.version()) continue;
            attempts.add(new OperationPlanner.Attempt(a.id(), a.group(), a.nodeId(), a.attempt(), a.status(), a.desiredRun(), a.startedAt(),
                    a.finishedAt(), a.message().isEmpty() ? a.desiredReason() : a.message(), a.output(),
                    a.terminal() ? failedSeenAt.applyAsLong(a) : 0));
        }
        Set<Long> ready = new HashSet<>();
        Map<Long, String> names = new HashMap<>();
        for (long id : op.nodes()) {
            snap.node(id).ifPresent(n -> {
                if (n.state() == NodeStatus.READY) ready.add(id);
                names.put(id, name(n));
            });
        }
        long startedAt = op.startedAt() > 0 ? op.startedAt() : now;
        return new OperationPlanner.Input(spec.operation(), op.nodes(), ready, attempts, startedAt, spec.timeout(), now, names);
    }

    /** How operators name a node: its {@code name} label, else its hostname, else its id. */
    public static String name(Records.NodeRecord n) {
        String label = n.labels().get("name");
        if (label != null && !label.isEmpty()) return label;
        return n.hostname().isEmpty() ? Long.toString(n.id()) : n.hostname();
    }
}
