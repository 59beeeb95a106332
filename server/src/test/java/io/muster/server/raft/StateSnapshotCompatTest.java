package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.StateImage;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot files hold node, drain and allocation states as their wire names, as they did when the records held strings. */
class StateSnapshotCompatTest {
    private static final ObjectMapper SMILE = new ObjectMapper(new SmileFactory());

    @TempDir
    Path dir;

    static NodeRecord node(NodeStatus state, DrainState drain) {
        return new NodeRecord(7, state, false, "linux", "amd64", Map.of("k", "v"), 2, 4_000, 2_048, List.of("exec"), "h", "0.1",
                "t", "ab", 1, 2, drain, 3, "", "s1", 4, "", null, false, null);
    }

    static AllocRecord alloc(AllocStatus status) {
        return new AllocRecord("a1", "j", 1, "g", 0, 7, 10, 20, false, "node down", status, 0, "", 5, 0, 0, "", 8, 9, null, null);
    }

    static StateImage image(List<NodeRecord> nodes, List<AllocRecord> allocs) {
        return new StateImage(StateImage.FORMAT, 1, 10, 8, null, List.of(), List.of(), List.of(), nodes, List.of(), allocs, List.of(), List.of());
    }

    private JsonNode raw(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return SMILE.readTree(in);
        }
    }

    private Path writeRaw(JsonNode tree, String name) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            SMILE.writeValue(out, tree);
        }
        return file;
    }

    @Test
    void statesAreWrittenAsWireNamesAndReadBack() throws Exception {
        for (NodeStatus s : NodeStatus.values()) {
            for (DrainState d : DrainState.values()) {
                Path file = dir.resolve("snap-" + s + "-" + d);
                StateImage img = image(List.of(node(s, d)), List.of());
                SnapshotCodec.write(img, file, dir.resolve("tmp"));
                JsonNode n = raw(file).get("nodes").get(0);
                assertEquals(s.wire(), n.get("state").asText());
                assertEquals(d.wire(), n.get("drain").asText());
                assertEquals(img.nodes(), SnapshotCodec.read(file).nodes());
            }
        }
        for (AllocStatus s : AllocStatus.values()) {
            Path file = dir.resolve("snap-" + s);
            StateImage img = image(List.of(), List.of(alloc(s)));
            SnapshotCodec.write(img, file, dir.resolve("tmp"));
            assertEquals(s.wire(), raw(file).get("allocs").get(0).get("status").asText());
            assertEquals(img.allocs(), SnapshotCodec.read(file).allocs());
        }
    }

    @Test
    void aSnapshotWrittenWhenStatesWereStringsLoads() throws Exception {
        // The records held the same text then: "ready", "draining", "lost"...
        ObjectNode tree = SMILE.valueToTree(image(List.of(node(NodeStatus.READY, DrainState.NONE)), List.of(alloc(AllocStatus.PENDING))));
        ((ObjectNode) tree.get("nodes").get(0)).put("state", "draining").put("drain", "draining");
        ((ObjectNode) tree.get("allocs").get(0)).put("status", "lost");
        StateImage back = SnapshotCodec.read(writeRaw(tree, "old"));
        assertEquals(node(NodeStatus.DRAINING, DrainState.DRAINING), back.nodes().get(0));
        assertEquals(alloc(AllocStatus.LOST), back.allocs().get(0));
    }

    @Test
    void aNodeWithoutADrainFieldIsNotDraining() throws Exception {
        ObjectNode tree = SMILE.valueToTree(image(List.of(node(NodeStatus.READY, DrainState.DRAINING)), List.of()));
        ((ObjectNode) tree.get("nodes").get(0)).remove("drain");
        assertEquals(DrainState.NONE, SnapshotCodec.read(writeRaw(tree, "nodrain")).nodes().get(0).drain());
    }

    @Test
    void anUnknownStateFailsTheReadNamingTheValue() throws Exception {
        ObjectNode tree = SMILE.valueToTree(image(List.of(node(NodeStatus.READY, DrainState.NONE)), List.of()));
        ((ObjectNode) tree.get("nodes").get(0)).put("state", "sleeping");
        IOException e = assertThrows(IOException.class, () -> SnapshotCodec.read(writeRaw(tree, "bad")));
        assertTrue(e.getMessage().contains("unknown node state \"sleeping\""), e.getMessage());
    }
}
