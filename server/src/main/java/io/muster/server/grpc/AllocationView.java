package io.muster.server.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import io.muster.server.state.OperationReads;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.OperationSpec;
import io.muster.proto.Allocation;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import java.util.HashMap;
import java.util.Map;

/** Builds the {@link Allocation} a worker receives: the allocation plus its group's spec, cached per job version. */
final class AllocationView {
    private static final ObjectMapper JSON = new ObjectMapper();
    private record JobGroups(Map<String, ByteString> groups, long timeoutSecs) {}

    private final ClusterState state;
    private final Cache<String, JobGroups> groups = Caffeine.newBuilder().maximumSize(10_000).build();

    private final OperationReads reads;

    AllocationView(ClusterState state, OperationReads reads) {
        this.state = state;
        this.reads = reads;
    }

    Allocation of(AllocRecord a) {
        JobRecord job = state.job(a.jobId()).orElse(null);
        if (job != null && job.hasOperation()) return operationTask(a, job);
        JobGroups g = job == null ? new JobGroups(Map.of(), 0) : groups.get(job.id() + "@" + job.version(), k -> parse(job));
        long deadline = g.timeoutSecs() > 0 && job != null ? job.submittedAt() + g.timeoutSecs() * 1000 : 0;
        return Allocation.newBuilder()
                .setId(a.id()).setJobId(a.jobId()).setGroup(a.group()).setIndex(a.index())
                .setGroupSpecJson(g.groups().getOrDefault(a.group(), ByteString.EMPTY))
                .setJobType(job == null ? "" : job.type()).setAttempt(a.attempt()).setJobDeadlineUnixMs(deadline)
                .build();
    }

    /** An operation's task attempt: a one-task group of the step's task ({@link JobSpecJson#operationGroup}). */
    private Allocation operationTask(AllocRecord a, JobRecord job) {
        JobGroups g = groups.get(job.id() + "@" + job.version(), k -> operationGroups(job));
        long deadline = g.timeoutSecs() > 0 && job.operation().startedAt() > 0 ? job.operation().startedAt() + g.timeoutSecs() * 1000 : 0;
        return Allocation.newBuilder()
                .setId(a.id()).setJobId(a.jobId()).setGroup(a.group()).setIndex(a.index())
                .setGroupSpecJson(g.groups().getOrDefault(a.group(), ByteString.EMPTY))
                .setJobType(job.type()).setAttempt(a.attempt()).setJobDeadlineUnixMs(deadline)
                .build();
    }

    private JobGroups operationGroups(JobRecord job) {
        Map<String, ByteString> out = new HashMap<>();
        JobSpec spec = reads.spec(job);
        OperationSpec op = spec.operation();
        for (int i = 0; i < op.steps().size(); i++) {
            for (int t = 0; t < op.steps().get(i).tasks().size(); t++)
                out.put(op.taskKey(i, t), ByteString.copyFrom(JobSpecJson.operationGroup(op, i, t)));
        }
        return new JobGroups(out, spec.timeout() == null ? 0 : spec.timeout().toSeconds());
    }

    private static JobGroups parse(JobRecord job) {
        Map<String, ByteString> out = new HashMap<>();
        long timeout = 0;
        try {
            JsonNode root = JSON.readTree(job.specJson());
            timeout = root.path("timeout").asLong(0);
            for (JsonNode g : root.path("groups")) out.put(g.path("name").asText(), ByteString.copyFromUtf8(g.toString()));
        } catch (Exception e) {
            // a stored spec was validated before commit; an unreadable one yields empty groups the worker reports as failed
        }
        return new JobGroups(out, timeout);
    }
}
