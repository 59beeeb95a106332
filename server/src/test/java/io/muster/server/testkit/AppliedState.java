package io.muster.server.testkit;

import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.RegisterJob;
import io.muster.proto.raft.RegisterNode;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.server.state.Records.AllocRecord;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.JobSpecParser;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ClusterState} changed only by applying commands with a {@link CommandApplier}, as the Raft apply thread
 * would, one index after the other: for tests of the state machine and of leader services without Raft.
 */
public final class AppliedState {
    public final ClusterState state = new ClusterState();
    private final CommandApplier applier = new CommandApplier(state);
    private long index;
    private int keys;

    public AppliedState() {
        apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t").setExpiresUnixMs(Long.MAX_VALUE)));
    }

    /** Applies {@code c} at the next index; a proposer would stamp proposed time, this uses 1. */
    public CommandResult apply(Command.Builder c) {
        return apply(c.setProposedUnixMs(1).build());
    }

    public CommandResult apply(Command c) {
        return applier.apply(c, ++index, 1);
    }

    /** Registers {@code n} linux/amd64 nodes with the exec driver and makes them ready. */
    public List<Long> readyNodes(int n, long cpuMhz, long memoryMb) {
        List<Long> ids = new ArrayList<>();
        NodeStateBatch.Builder ready = NodeStateBatch.newBuilder();
        for (int i = 0; i < n; i++) {
            int k = keys++;
            CommandResult r = apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setTokenId("t")
                    .setPublicKeySha256(ByteString.copyFromUtf8("key-" + k)).setRegisteredUnixMs(1)
                    .setProfile(NodeProfile.newBuilder().setOs("linux").setArch("amd64").setCpuMhz(cpuMhz).setMemoryMb(memoryMb)
                            .addDrivers("exec").setHostname("n" + k))));
            if (!r.getOk()) throw new IllegalStateException(r.getError());
            ids.add(r.getNodeId());
            ready.addChanges(NodeStateChange.newBuilder().setNodeId(r.getNodeId()).setState("ready").setAtUnixMs(1));
        }
        apply(Command.newBuilder().setNodeStateBatch(ready));
        return ids;
    }

    /** Registers (or updates) a job of one group "g" with one exec task asking for {@code cpu} and {@code memory}. */
    public long registerJob(String id, String type, int count, int cpu, int memory) {
        String countField = type.equals("system") || type.equals("sysbatch") ? "" : "\"count\": " + count + ", ";
        var spec = JobSpecParser.strict().parse("""
                {"id": "%s", "type": "%s", "groups": [{"name": "g", %s
                  "tasks": [{"name": "t", "driver": "exec", "command": "sleep", "args": ["1"], "resources": {"cpu": %d, "memory": %d}}]}]}
                """.formatted(id, type, countField, cpu, memory));
        CommandResult r = apply(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(id)
                .setSpecJson(ByteString.copyFrom(JobSpecJson.toJson(spec))).setSubmittedUnixMs(1)));
        if (!r.getOk()) throw new IllegalStateException(r.getError());
        return Long.parseLong(r.getValue());
    }

    /** The worker on the allocation's node reports it in {@code s}. */
    public void report(String allocId, AllocState s, long finishedAt) {
        AllocRecord a = state.alloc(allocId).orElseThrow();
        apply(Command.newBuilder().setAllocStatusBatch(AllocStatusBatch.newBuilder().addUpdates(AllocStatusUpdate.newBuilder()
                .setNodeId(a.nodeId()).setStatus(AllocStatus.newBuilder().setAllocId(allocId).setState(s).setFinishedUnixMs(finishedAt)))));
    }

    /** Allocations of the job wanted and not finished. */
    public List<AllocRecord> live(String jobId) {
        return state.allocsOfJob(jobId).stream().filter(a -> a.desiredRun() && !a.terminal()).toList();
    }
}
