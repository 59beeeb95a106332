package io.muster.server.api;

import com.fasterxml.jackson.core.JsonGenerator;
import io.muster.server.events.StateEvent;
import io.muster.server.events.StreamItem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The NDJSON form of stream items, one JSON object per line:
 * <ul>
 *   <li>an event: {@code {"index","topic","type","key","job_id"?,"node_id"?,"payload":{...}}};</li>
 *   <li>{@code {"type":"heartbeat","index"}}, {@code {"type":"gap","index","oldest_index","requested_index","reason"}},
 *       {@code {"type":"lagged","index","reason"}} (the last line of a stream whose reader fell behind).</li>
 * </ul>
 * Written with a streaming generator (no tree per event): this runs once per event per subscriber.
 */
final class EventLines {
    private EventLines() {}

    static byte[] encode(List<StreamItem> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 * items.size());
        try (JsonGenerator g = Http.JSON.getFactory().createGenerator(out)) {
            g.setRootValueSeparator(null);
            for (StreamItem item : items) {
                write(g, item);
                g.flush();
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, StreamItem item) throws IOException {
        g.writeStartObject();
        switch (item) {
            case StreamItem.Event(StateEvent e) -> {
                g.writeNumberField("index", e.index());
                g.writeStringField("topic", e.topic().wire());
                g.writeStringField("type", e.type());
                g.writeStringField("key", e.key());
                if (e.jobId() != null) g.writeStringField("job_id", e.jobId());
                if (e.nodeId() != 0) g.writeNumberField("node_id", e.nodeId());
                g.writeFieldName("payload");
                Http.JSON.writeValue(g, e.payload());
            }
            case StreamItem.Heartbeat h -> {
                g.writeStringField("type", "heartbeat");
                g.writeNumberField("index", h.index());
            }
            case StreamItem.Gap gap -> {
                g.writeStringField("type", "gap");
                g.writeNumberField("index", gap.index());
                g.writeNumberField("oldest_index", gap.oldestIndex());
                g.writeNumberField("requested_index", gap.requestedIndex());
                g.writeStringField("reason", gap.reason());
            }
            case StreamItem.Lagged l -> {
                g.writeStringField("type", "lagged");
                g.writeNumberField("index", l.index());
                g.writeStringField("reason", l.reason());
            }
        }
        g.writeEndObject();
    }
}
