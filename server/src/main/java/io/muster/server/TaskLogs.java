package io.muster.server;

import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import java.util.concurrent.CompletableFuture;

/** Task output, fetched from whichever server the allocation's worker is connected to (the REST API's view of it). */
public interface TaskLogs {
    CompletableFuture<LogsReply> fetchLogs(LogsRequest request);
}
