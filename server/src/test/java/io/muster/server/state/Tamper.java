package io.muster.server.state;

import java.nio.charset.StandardCharsets;

/**
 * Test-only: writes into one server's state behind Raft's back — no command, no listener — as a bug in an apply path or
 * memory corruption would. The divergence check must notice.
 */
public final class Tamper {
    private Tamper() {}

    public static void kvBehindRaft(ClusterState state, String key, String value) {
        StateTx tx = new StateTx(state.snapshot());
        tx.kv.put(key, new Records.KvEntry(key, value.getBytes(StandardCharsets.UTF_8), state.appliedIndex()));
        state.overwriteForTest(tx.commit(state.appliedIndex(), state.appliedTerm()));
    }
}
