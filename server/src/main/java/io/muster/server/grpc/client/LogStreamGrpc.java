package io.muster.server.grpc.client;

import io.grpc.stub.ServerCallStreamObserver;
import io.muster.proto.LogFollowRequest;
import io.muster.proto.LogStreamFrame;
import io.muster.proto.client.v1.LogChunk;
import io.muster.server.TaskLogs;
import io.muster.server.state.Records.AllocRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code StreamLogs}: the allocations' output through the same log-follow machinery as the REST stream
 * ({@link TaskLogs#followLogs}), with gRPC's flow control in place of Vert.x's write queue. A frame is handed to gRPC at
 * once; its bytes are given back to the worker as credit only while the call {@link ServerCallStreamObserver#isReady()
 * is ready} (the client keeps up with HTTP/2 flow control), otherwise when it becomes ready again. So the worker is
 * never more than one window ({@link io.muster.server.LogWindow#BYTES}) ahead per allocation, however slowly the client
 * reads. A client that cancels ends every follow, the worker's side included.
 */
final class LogStreamGrpc {
    private final ServerCallStreamObserver<LogChunk> out;
    private final Runnable onClose;
    private final List<TaskLogs.Follow> follows = new ArrayList<>();
    /** Bytes handed to gRPC and not yet given back as credit, per follow, while the call is not ready. */
    private final Map<TaskLogs.Follow, Integer> owed = new LinkedHashMap<>();
    private int open;
    private boolean closed;

    private LogStreamGrpc(ServerCallStreamObserver<LogChunk> out, int open, Runnable onClose) {
        this.out = out;
        this.open = open;
        this.onClose = onClose;
    }

    /** @param onClose runs once when the stream ends, however it ends (the server's count of open streams) */
    static void serve(ServerCallStreamObserver<LogChunk> out, TaskLogs logs, List<AllocRecord> allocs, LogFollowRequest template, Runnable onClose) {
        LogStreamGrpc st = new LogStreamGrpc(out, allocs.size(), onClose);
        out.setOnCancelHandler(st::cancelAll);
        out.setOnReadyHandler(st::release);
        for (AllocRecord a : allocs) {
            LogFollowRequest req = template.toBuilder().setNodeId(a.nodeId()).setAllocId(a.id()).build();
            TaskLogs.Follow[] self = new TaskLogs.Follow[1];
            synchronized (st) {
                self[0] = logs.followLogs(req, frame -> st.frame(a, self[0], frame));
                st.follows.add(self[0]);
            }
        }
    }

    private synchronized void frame(AllocRecord a, TaskLogs.Follow f, LogStreamFrame frame) {
        if (closed) return;
        for (var c : frame.getChunksList()) {
            out.onNext(LogChunk.newBuilder().setAllocId(a.id()).setNodeId(a.nodeId()).setTask(c.getTask()).setStderr(c.getStderr())
                    .setData(c.getData()).setDropped(c.getDroppedBytes()).build());
        }
        if (frame.getEnd()) out.onNext(LogChunk.newBuilder().setAllocId(a.id()).setNodeId(a.nodeId()).setEnd(true).setError(frame.getError()).build());
        if (f != null) {
            owed.merge(f, TaskLogs.dataBytes(frame), Integer::sum);
            if (out.isReady()) release();
        }
        if (frame.getEnd() && --open == 0) {
            closed = true;
            out.onCompleted();
            onClose.run();
        }
    }

    private synchronized void release() {
        var each = List.copyOf(owed.entrySet());
        owed.clear();
        for (var e : each) e.getKey().delivered(e.getValue());
    }

    private synchronized void cancelAll() {
        if (closed) return;
        closed = true;
        follows.forEach(TaskLogs.Follow::cancel);
        onClose.run();
    }
}
