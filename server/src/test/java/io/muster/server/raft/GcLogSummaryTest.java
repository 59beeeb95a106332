package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.muster.proto.raft.CollectGarbage;
import io.muster.proto.raft.Command;
import org.junit.jupiter.api.Test;

/** `muster raft log list` shows a CollectGarbage entry by its counts, never the ids it names. */
class GcLogSummaryTest {
    @Test
    void countsOnly() {
        CollectGarbage.Builder g = CollectGarbage.newBuilder().setReason("periodic").addJobIds("secret-project").addTokenIds("tok-123")
                .addNodeIds(7).setNowUnixMs(1);
        for (int i = 0; i < 3; i++) g.addAllocIds("alloc-" + i);
        String s = LogSummaries.summary(Command.newBuilder().setCollectGarbage(g).build());
        assertEquals("collect garbage (periodic): 1 job(s), 3 allocation(s), 1 node(s), 1 token(s)", s);
        assertFalse(s.contains("secret-project") || s.contains("tok-123"));
        assertEquals("collect garbage (purge): 0 job(s), 0 allocation(s), 0 node(s), 0 token(s), purge 1 job(s)",
                LogSummaries.summary(Command.newBuilder().setCollectGarbage(CollectGarbage.newBuilder().setReason("purge").addPurgeJobIds("web")).build()));
    }
}
