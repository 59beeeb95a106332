package io.muster.server.state;

import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.server.testkit.AppliedState;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("benchmark")
/** The apply cost of a fanout on one state machine: 100,000 placements in 10 plan entries, then 200,000 status updates. */
class ApplyCostBenchmark {
    @Test
    void fanoutApplyCost() {
        for (int round = 0; round < 4; round++) {
            AppliedState s = new AppliedState();
            List<Long> nodes = s.readyNodes(1000, 1_000_000, 1_000_000);
            long v = s.registerJob("big", "service", 100_000, 1, 1);
            long t0 = System.nanoTime();
            for (int e = 0; e < 10; e++) {
                ApplyPlan.Builder plan = ApplyPlan.newBuilder().setJobId("big").setJobVersion(v).setPlannedUnixMs(1);
                for (int i = 0; i < 10_000; i++) {
                    int idx = e * 10_000 + i;
                    plan.addPlace(PlannedAlloc.newBuilder().setAllocId("alloc-" + idx).setJobId("big").setGroup("g").setIndex(idx)
                            .setNodeId(nodes.get(idx % 1000)).setCpu(1).setMemoryMb(1));
                }
                s.apply(Command.newBuilder().setApplyPlan(plan));
            }
            long t1 = System.nanoTime();
            for (AllocState st : List.of(AllocState.ALLOC_RUNNING, AllocState.ALLOC_COMPLETE)) {
                for (int b = 0; b < 20; b++) {
                    AllocStatusBatch.Builder batch = AllocStatusBatch.newBuilder();
                    for (int i = 0; i < 5_000; i++) {
                        int idx = b * 5_000 + i;
                        batch.addUpdates(AllocStatusUpdate.newBuilder().setNodeId(nodes.get(idx % 1000))
                                .setStatus(AllocStatus.newBuilder().setAllocId("alloc-" + idx).setState(st)));
                    }
                    s.apply(Command.newBuilder().setAllocStatusBatch(batch));
                }
            }
            long t2 = System.nanoTime();
            System.out.printf("APPLYCOST round %d: 100,000 placements in 10 entries %d ms (%.2f us each); 200,000 status updates %d ms (%.2f us each)%n",
                    round, (t1 - t0) / 1_000_000, (t1 - t0) / 1e3 / 100_000, (t2 - t1) / 1_000_000, (t2 - t1) / 1e3 / 200_000);
        }
    }
}
