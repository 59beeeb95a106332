package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.RegisterJob;
import io.muster.proto.raft.RegisterNode;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.types.state.JobStatus;
import org.junit.jupiter.api.Test;

/**
 * A batch job whose only allocation failed reads as failed only when no reschedule is coming: between the failure
 * and the scheduler's next plan it is pending (so {@code job run --wait} does not stop while the job goes on), and
 * a reschedule that would come after the job's deadline does not count.
 */
class RescheduleOutlookTest {
    static final long NOW = 1_800_000_000_000L;
    final ClusterState s = new ClusterState();
    final CommandApplier applier = new CommandApplier(s);
    long index;

    void apply(Command.Builder c) {
        assertTrue(applier.apply(c.setProposedUnixMs(NOW).build(), ++index, 1).getOk());
    }

    /** One ready node, job "b" of {@code spec}, allocation {@code alloc} (reschedule {@code attempt}) failed at NOW + 1 s. */
    JobStatus failedOnce(String spec, int attempt) {
        apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t").setExpiresUnixMs(Long.MAX_VALUE).setCreatedUnixMs(NOW)));
        apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setTokenId("t").setPublicKeySha256(ByteString.copyFrom(new byte[] {1}))
                .setProfile(NodeProfile.newBuilder().setOs("linux").setArch("amd64").setCpuMhz(16_000).setMemoryMb(65_536).addDrivers("exec"))
                .setRegisteredUnixMs(NOW).setCertSerialHex("c1").setCertNotAfterUnixMs(NOW + 86_400_000)));
        apply(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder().addChanges(NodeStateChange.newBuilder().setNodeId(1).setState("ready").setAtUnixMs(NOW))));
        apply(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId("b").setSpecJson(ByteString.copyFromUtf8(spec)).setSubmittedUnixMs(NOW)));
        apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId("b").setJobVersion(1).setPlannedUnixMs(NOW)
                .addPlace(PlannedAlloc.newBuilder().setAllocId("a1").setJobId("b").setGroup("g").setNodeId(1).setCpu(10).setMemoryMb(10).setAttempt(attempt))));
        apply(Command.newBuilder().setAllocStatusBatch(AllocStatusBatch.newBuilder().addUpdates(AllocStatusUpdate.newBuilder().setNodeId(1)
                .setStatus(io.muster.proto.AllocStatus.newBuilder().setAllocId("a1").setState(AllocState.ALLOC_FAILED).setExitCode(1)
                        .setStartedUnixMs(NOW).setFinishedUnixMs(NOW + 1_000)))));
        var snap = s.snapshot();
        return JobApi.status(snap, snap.job("b").orElseThrow());
    }

    static String spec(String timeout, String reschedule) {
        return """
                {"id":"b","type":"batch",%s"groups":[{"name":"g","count":1,"reschedule":%s,"tasks":[{"name":"t","driver":"exec",\
                "command":"false","resources":{"cpu":10,"memory":10}}]}]}""".formatted(timeout, reschedule);
    }

    @Test
    void aFailureWithAReschedulePendingIsNotTheJobsEnd() {
        assertEquals(JobStatus.PENDING, failedOnce(spec("", "{\"attempts\":1,\"delay\":5}"), 0));
    }

    @Test
    void reschedulesUsedUpMeanFailed() {
        assertEquals(JobStatus.FAILED, failedOnce(spec("", "{\"attempts\":1,\"delay\":5}"), 1));
    }

    @Test
    void noReschedulePolicyMeansFailed() {
        assertEquals(JobStatus.FAILED, failedOnce(spec("", "{\"attempts\":0}"), 0));
    }

    @Test
    void aRescheduleDuePastTheDeadlineDoesNotCount() {
        // Failed at +1 s, due at +6 s, but the job's own timeout ends it at +3 s.
        assertEquals(JobStatus.FAILED, failedOnce(spec("\"timeout\":3,", "{\"attempts\":1,\"delay\":5}"), 0));
        // With a later deadline the reschedule still comes.
        RescheduleOutlookTest other = new RescheduleOutlookTest();
        assertEquals(JobStatus.PENDING, other.failedOnce(spec("\"timeout\":60,", "{\"attempts\":1,\"delay\":5}"), 0));
    }

    @Test
    void aJobItsDeadlineEndedBeforeAnyPlacementFailedRatherThanCompleted() {
        apply(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId("b").setSubmittedUnixMs(NOW)
                .setSpecJson(ByteString.copyFromUtf8(spec("\"timeout\":3,", "{\"attempts\":0}")))));
        // What the scheduler commits past the deadline for a job it never could place: no placement, no failure, no next evaluation.
        apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId("b").setJobVersion(1).setPlannedUnixMs(NOW + 3_000)));
        var snap = s.snapshot();
        assertEquals(JobStatus.FAILED, JobApi.status(snap, snap.job("b").orElseThrow()));
    }

    @Test
    void withoutADeadlineAnEvaluatedBatchJobWithNothingToRunIsComplete() {
        apply(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId("s").setSubmittedUnixMs(NOW)
                .setSpecJson(ByteString.copyFromUtf8("""
                        {"id":"s","type":"sysbatch","groups":[{"name":"g","tasks":[{"name":"t","driver":"exec","command":"true",\
                        "resources":{"cpu":10,"memory":10}}]}]}"""))));
        apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId("s").setJobVersion(1).setPlannedUnixMs(NOW)));
        var snap = s.snapshot();
        assertEquals(JobStatus.COMPLETE, JobApi.status(snap, snap.job("s").orElseThrow()));
    }
}
