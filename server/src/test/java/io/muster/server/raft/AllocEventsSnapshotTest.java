package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import io.muster.server.state.AllocEvents;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.StateImage;
import io.muster.types.state.AllocEventType;
import io.muster.types.state.AllocStatus;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An allocation's events survive a snapshot, and a snapshot written before events existed loads with none. */
class AllocEventsSnapshotTest {
    private static final ObjectMapper SMILE = new ObjectMapper(new SmileFactory());

    @TempDir
    Path dir;

    static AllocRecord alloc(AllocEvents events) {
        return new AllocRecord("a1", "j", 1, "g", 0, 7, 10, 20, true, "", AllocStatus.RUNNING, 0, "", 5, 0, 0, "", 8, 9, "", events);
    }

    @Test
    void eventsRoundTripWithTheirTypesAsWireNames() throws Exception {
        AllocEvents events = new AllocEvents(List.of(new AllocEvents.Event(1, AllocEventType.PLACED, "placed on h (node 7)"),
                new AllocEvents.Event(2, AllocEventType.TIMED_OUT, "task t timed out after 3s")), 5, 9);
        StateImage img = StateSnapshotCompatTest.image(List.of(), List.of(alloc(events)));
        Path file = dir.resolve("snap");
        SnapshotCodec.write(img, file, dir.resolve("tmp"));
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            assertEquals("timed-out", SMILE.readTree(in).get("allocs").get(0).get("events").get("events").get(1).get("type").asText());
        }
        assertEquals(img.allocs(), SnapshotCodec.read(file).allocs());
    }

    @Test
    void aSnapshotWithoutEventsLoadsWithNone() throws Exception {
        Path file = dir.resolve("old");
        SnapshotCodec.write(StateSnapshotCompatTest.image(List.of(), List.of(alloc(null))), file, dir.resolve("tmp"));
        ObjectNode tree;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            tree = (ObjectNode) SMILE.readTree(in);
        }
        ((ObjectNode) tree.get("allocs").get(0)).remove("events");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            SMILE.writeValue(out, tree);
        }
        assertEquals(AllocEvents.EMPTY, SnapshotCodec.read(file).allocs().getFirst().events());
    }
}
