package io.muster.server;

import io.muster.proto.LogFollowRequest;
import io.muster.proto.LogStreamFrame;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Task output, fetched from whichever server the allocation's worker is connected to (the REST API's view of it). */
public interface TaskLogs {
    CompletableFuture<LogsReply> fetchLogs(LogsRequest request);

    /**
     * Follows a task's output: {@code sink} receives frames (from any thread, one at a time) until one has
     * {@code end} set. Backpressure: the sink calls {@link Follow#delivered} with a frame's data bytes once the frame
     * has left this server (written to the reader); until then the worker sends no more than one window
     * ({@link LogWindow#BYTES}) ahead, so a slow reader never grows this server's memory beyond it.
     */
    Follow followLogs(LogFollowRequest request, Consumer<LogStreamFrame> sink);

    /** An open follow. */
    interface Follow {
        void delivered(int bytes);

        /** The reader went away: stop the worker's side and free both ends. Idempotent. */
        void cancel();
    }

    /** Bytes of a frame's data (what credit counts). */
    static int dataBytes(LogStreamFrame f) {
        int n = 0;
        for (var c : f.getChunksList()) n += c.getData().size();
        return n;
    }
}
