package io.muster.server.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.KvPut;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.server.state.StateDigest;
import io.muster.server.state.StateImage;
import io.muster.server.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Digests at agreed indexes: only at multiples of the interval, only for indexes applied, the last few kept. */
class DigestRecorderTest {
    final ClusterState state = new ClusterState();
    final CommandApplier applier = new CommandApplier(state);
    final ClusterState twin = new ClusterState();
    final CommandApplier twinApplier = new CommandApplier(twin);

    static Command put(long i) {
        return Command.newBuilder().setProposedUnixMs(1).setKvPut(KvPut.newBuilder().setKey("k" + i % 7)
                .setValue(ByteString.copyFromUtf8("v" + i))).build();
    }

    @Test
    void aDigestAfterEveryMultipleOfTheIntervalOfTheStateAsOfThatIndex() {
        DigestRecorder r = new DigestRecorder(state, 10, Runnable::run);
        state.addListener(r);
        Map<Long, StateDigest> expected = new TreeMap<>();
        for (long i = 1; i <= 25; i++) {
            applier.apply(put(i), i, 1);
            twinApplier.apply(put(i), i, 1);
            if (i % 10 == 0) expected.put(i, StateDigest.of(twin));
        }
        assertEquals(expected, r.recent());
        assertEquals(2, r.computed());
        // An entry that is not a command (configuration, no-op) at a multiple gets a digest too.
        for (long i = 26; i <= 29; i++) applier.apply(put(i), i, 1);
        applier.skip(30, 1);
        assertEquals(List.of(10L, 20L, 30L), List.copyOf(r.recent().keySet()));
    }

    @Test
    void onlyTheLastFewAreKept() {
        DigestRecorder r = new DigestRecorder(state, 1, Runnable::run);
        state.addListener(r);
        for (long i = 1; i <= 20; i++) applier.apply(put(i), i, 1);
        assertEquals(DigestRecorder.KEEP, r.recent().size());
        assertEquals(20 - DigestRecorder.KEEP + 1, r.recent().firstKey());
    }

    @Test
    void aRestoreRecordsNothingForTheIndexesItSkipped() {
        DigestRecorder r = new DigestRecorder(state, 10, Runnable::run);
        state.addListener(r);
        for (long i = 1; i <= 15; i++) applier.apply(put(i), i, 1);
        for (long i = 1; i <= 40; i++) twinApplier.apply(put(i), i, 1);
        state.restore(twin.image()); // a snapshot install at index 40: 20, 30 and 40 itself were never applied here
        assertEquals(List.of(10L), List.copyOf(r.recent().keySet()));
        for (long i = 41; i <= 50; i++) {
            applier.apply(put(i), i, 1);
            twinApplier.apply(put(i), i, 1);
        }
        assertEquals(List.of(10L, 50L), List.copyOf(r.recent().keySet()));
        assertEquals(StateDigest.of(twin), r.recent().get(50L));
    }

    @Test
    void hashedOffTheApplyThreadFromACopyTakenAtTheIndex() {
        DigestRecorder r = new DigestRecorder(state, 5);
        state.addListener(r);
        Map<Long, StateDigest> expected = new TreeMap<>();
        try (r) {
            for (long i = 1; i <= 12; i++) {
                applier.apply(put(i), i, 1);
                twinApplier.apply(put(i), i, 1);
                if (i % 5 == 0) expected.put(i, StateDigest.of(twin));
            }
            Await.until("two digests", Duration.ofSeconds(10), () -> r.recent().size() == 2);
            assertEquals(expected, r.recent(), "the later applies did not leak into the earlier digests");
        }
    }

    @Test
    void theIntervalMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new DigestRecorder(state, 0, Runnable::run));
        assertThrows(IllegalArgumentException.class, () -> new DigestRecorder(state, 10, Runnable::run).interval(-1));
    }
}
