package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.KvPut;
import io.muster.server.MusterServer;
import io.muster.server.testkit.TestCluster;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An exception in apply is a bug: the server stops applying, loudly, instead of skipping the entry and drifting. */
class FatalApplyTest {
    @Test
    void anApplyThatThrowsStopsTheServerAndLeavesNothingOfTheCommand() throws Exception {
        try (TestCluster c = TestCluster.builder(1).build().startAll()) {
            MusterServer s = c.awaitLeader(Duration.ofSeconds(60));
            assertTrue(c.put(s, "before", "x").getOk());
            s.raft().stateMachine().setApplyHook(cmd -> {
                if (cmd.hasKvPut() && cmd.getKvPut().getKey().equals("boom")) throw new IllegalStateException("injected apply bug");
            });
            var boom = s.raft().proposer().submit(Command.newBuilder().setKvPut(KvPut.newBuilder().setKey("boom").setValue(ByteString.copyFromUtf8("x"))).build());
            Throwable cause = s.raft().stateMachine().fatal().get(30, TimeUnit.SECONDS);
            assertTrue(cause.getMessage().contains("injected apply bug"), cause.toString());
            assertTrue(s.state().kv("boom").isEmpty(), "nothing of the failed command is visible");
            assertTrue(s.state().kv("before").isPresent());
            // Ratis shuts the Raft server down: this server leads and applies nothing more.
            io.muster.server.testkit.Await.until("the Raft server is closed", Duration.ofSeconds(30), () -> !s.raft().status().isAlive());
            boom.cancel(true);
            assertFalse(s.state().kv("boom").isPresent());
        }
    }
}
