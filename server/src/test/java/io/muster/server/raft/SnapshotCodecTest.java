package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import com.google.protobuf.ByteString;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.RecordCertificate;
import io.muster.proto.raft.RegisterNode;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.server.state.StateImage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot files keep what the certificate checks need: the current and the previous serial of each node. */
class SnapshotCodecTest {
    @TempDir
    Path dir;

    private static StateImage stateWithRotatedCertificate() {
        ClusterState state = new ClusterState();
        CommandApplier a = new CommandApplier(state);
        long now = 1_800_000_000_000L;
        a.apply(Command.newBuilder().setProposedUnixMs(now).setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t")
                .setExpiresUnixMs(now + 3_600_000)).build(), 1, 1);
        a.apply(Command.newBuilder().setProposedUnixMs(now).setRegisterNode(RegisterNode.newBuilder().setTokenId("t")
                .setProfile(NodeProfile.newBuilder().setHostname("h")).setPublicKeySha256(ByteString.copyFromUtf8("k"))
                .setCertSerialHex("a1").setCertNotAfterUnixMs(now + 1)).build(), 2, 1);
        a.apply(Command.newBuilder().setProposedUnixMs(now).setRecordCertificate(RecordCertificate.newBuilder().setNodeId(1)
                .setSerialHex("b2").setNotAfterUnixMs(now + 2)).build(), 3, 1);
        return state.image();
    }

    @Test
    void thePreviousSerialSurvivesASnapshotFile() throws Exception {
        Path file = dir.resolve("snap");
        SnapshotCodec.write(stateWithRotatedCertificate(), file, dir.resolve("tmp"));
        var node = SnapshotCodec.read(file).nodes().get(0);
        assertEquals("b2", node.certSerial());
        assertEquals("a1", node.previousCertSerial());
    }

    @Test
    void aSnapshotWrittenBeforePreviousSerialsWereKeptStillLoads() throws Exception {
        ObjectMapper smile = new ObjectMapper(new SmileFactory());
        ObjectNode tree = smile.valueToTree(stateWithRotatedCertificate());
        ((ObjectNode) tree.get("nodes").get(0)).remove("previousCertSerial");
        Path file = dir.resolve("old");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            smile.writeValue(out, tree);
        }
        var node = SnapshotCodec.read(file).nodes().get(0);
        assertEquals("b2", node.certSerial());
        assertEquals("", node.previousCertSerial());
    }
}
