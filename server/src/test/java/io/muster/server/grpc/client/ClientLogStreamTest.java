package io.muster.server.grpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.muster.proto.LogChunk;
import io.muster.proto.LogFollowRequest;
import io.muster.proto.LogStreamFrame;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import io.muster.proto.client.v1.JobServiceGrpc;
import io.muster.proto.client.v1.LogStream;
import io.muster.proto.client.v1.StreamLogsRequest;
import io.muster.server.LogWindow;
import io.muster.server.MusterServer;
import io.muster.server.TaskLogs;
import io.muster.server.service.ClusterInfoService;
import io.muster.server.service.JobsService;
import io.muster.server.service.NodesService;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * StreamLogs' flow control and stream cap, against a real dev server whose task output comes from a fake worker that
 * honours the log-follow credit protocol exactly as the real one does (at most {@link LogWindow#BYTES} ahead).
 */
@Timeout(180)
class ClientLogStreamTest {
    private static final Duration T = Duration.ofSeconds(30);

    /** A worker's side of one follow: frames of 64 KiB while credit lasts, then waits for credit; ends after {@code total}. */
    static final class FakeFollow implements TaskLogs.Follow {
        final long total;
        long sent;
        long delivered;
        long maxAhead;
        boolean waiting;
        boolean cancelled;

        FakeFollow(long total) {
            this.total = total;
        }

        void produce(Consumer<LogStreamFrame> sink) {
            if (total < 0) return; // a follow of a quiet task: nothing, ever
            Thread.ofVirtual().start(() -> {
                byte[] data = new byte[LogWindow.FRAME_BYTES];
                while (true) {
                    int n;
                    synchronized (this) {
                        while (!cancelled && sent < total && sent - delivered + LogWindow.FRAME_BYTES > LogWindow.BYTES) {
                            waiting = true;
                            try {
                                wait();
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                        waiting = false;
                        if (cancelled) return;
                        n = (int) Math.min(LogWindow.FRAME_BYTES, total - sent);
                        sent += n;
                        maxAhead = Math.max(maxAhead, sent - delivered);
                    }
                    boolean end = n == 0 || sent == total;
                    LogStreamFrame.Builder f = LogStreamFrame.newBuilder().setEnd(end);
                    if (n > 0) f.addChunks(LogChunk.newBuilder().setTask("t").setData(ByteString.copyFrom(data, 0, n)));
                    sink.accept(f.build());
                    if (end) return;
                }
            });
        }

        @Override
        public synchronized void delivered(int bytes) {
            delivered += bytes;
            notifyAll();
        }

        @Override
        public synchronized void cancel() {
            cancelled = true;
            notifyAll();
        }

        synchronized long sent() {
            return sent;
        }

        synchronized boolean waiting() {
            return waiting;
        }
    }

    static final class FakeLogs implements TaskLogs {
        final List<FakeFollow> follows = new CopyOnWriteArrayList<>();
        volatile long bytesPerFollow;

        @Override
        public CompletableFuture<LogsReply> fetchLogs(LogsRequest request) {
            return CompletableFuture.completedFuture(LogsReply.getDefaultInstance());
        }

        @Override
        public Follow followLogs(LogFollowRequest request, Consumer<LogStreamFrame> sink) {
            FakeFollow f = new FakeFollow(bytesPerFollow);
            follows.add(f);
            f.produce(sink);
            return f;
        }
    }

    @Test
    void aReaderThatStopsHoldsTheWorkerBackAndTheStreamCapRefusesMore() throws Exception {
        try (TestCluster c = TestCluster.builder(1).build().startAll()) {
            MusterServer s = c.awaitLeader(T);
            var material = s.ready().get(30, TimeUnit.SECONDS);
            // A ready node and a job placed on it: an allocation to follow.
            var token = s.joinTokens().create(Duration.ofMinutes(5), 1, Map.of(), "logs test").get(30, TimeUnit.SECONDS);
            TestWorker w = new TestWorker();
            w.register(s.config().workerGrpcAddr(), token.token(), TestWorker.profile("w1", Map.of()));
            w.beat(w.connect(s.config().workerGrpcAddr()));
            JobsService jobs = new JobsService(s.config(), s.state(), s.proposer(), c.clock);
            jobs.submit("{\"id\": \"chatty\", \"type\": \"service\", \"groups\": [{\"name\": \"g\", \"count\": 1, \"tasks\": "
                    + "[{\"name\": \"t\", \"driver\": \"exec\", \"command\": \"yes\"}]}]}", null, null).get(30, TimeUnit.SECONDS);
            Await.until("the job is placed", T, () -> !s.state().snapshot().allocsOfJob("chatty").isEmpty());

            // This server's client API, with task output from the fake worker.
            FakeLogs logs = new FakeLogs();
            s.clientGrpc().close();
            ClientGrpcServer api = new ClientGrpcServer(s.config(), s.state(), c.clock, jobs,
                    new NodesService(s.state(), s.proposer(), c.clock, id -> Optional.empty()),
                    new ClusterInfoService(s.config(), s.state(), s.raft().status(), s.raft().log(), s.divergence()::statusFields), logs, s.events());
            List<ManagedChannel> channels = new ArrayList<>();
            try {
                api.start(material);
                var addr = api.address();
                // A fixed 1 MiB HTTP/2 window on the reader (no BDP auto-tuning): what it may buffer unread is known.
                for (int i = 0; i < 6; i++) channels.add(NettyChannelBuilder.forAddress(addr.host(), addr.port()).usePlaintext().flowControlWindow(1024 * 1024).build());
                var blocking = JobServiceGrpc.newBlockingStub(channels.get(0));

                // 1. A reader that takes one chunk and stops: the worker is held back after a bounded amount.
                long total = 64L * 1024 * 1024;
                logs.bytesPerFollow = total;
                Iterator<io.muster.proto.client.v1.LogChunk> it = blocking.withDeadlineAfter(60, TimeUnit.SECONDS)
                        .streamLogs(StreamLogsRequest.newBuilder().setJobId("chatty").setFollow(true).setStream(LogStream.LOG_STREAM_BOTH).build());
                assertEquals("t", it.next().getTask());
                FakeFollow f = logs.follows.getFirst();
                // Waiting for credit, with nothing sent, for 25 polls in a row (0.5 s): the windows between here and the
                // worker are full. (A short wait alone is not it: credit still flows while the HTTP/2 window fills.)
                long[] last = {-1};
                int[] still = {0};
                Await.until("the worker is held back", T, () -> {
                    long sent = f.sent();
                    still[0] = f.waiting() && sent == last[0] ? still[0] + 1 : 0;
                    last[0] = sent;
                    return still[0] >= 25;
                });
                long held = f.sent();
                // Give a server that handed out credit regardless of the reader the time to let the worker run on.
                Thread.sleep(500);
                assertTrue(f.waiting(), "still waiting for credit while nobody reads");
                assertEquals(held, f.sent(), "no output sent while nobody reads");
                assertTrue(held < 8L * 1024 * 1024, "bounded by flow-control windows, not by the task's output: " + held);

                // Reading again releases it: every byte arrives, in order, then the allocation's end.
                long got = LogWindow.FRAME_BYTES;
                boolean ended = false;
                while (it.hasNext()) {
                    var chunk = it.next();
                    got += chunk.getData().size();
                    ended |= chunk.getEnd();
                }
                assertEquals(total, got);
                assertTrue(ended);
                assertTrue(f.maxAhead <= LogWindow.BYTES, "the worker was never more than one window ahead: " + f.maxAhead);
                Await.until("the stream is freed", T, () -> api.openLogStreams() == 0);

                // 2. Streams that stay open (a quiet task) up to the cap; one more is refused; leaving frees them all.
                logs.bytesPerFollow = -1;
                logs.follows.clear();
                List<ClientCallStreamObserver<StreamLogsRequest>> open = new ArrayList<>();
                for (int i = 0; i < ClientGrpcServer.MAX_LOG_STREAMS; i++) {
                    JobServiceGrpc.newStub(channels.get(1 + i % 5)).streamLogs(StreamLogsRequest.newBuilder().setJobId("chatty").setFollow(true).build(),
                            new ClientResponseObserver<StreamLogsRequest, io.muster.proto.client.v1.LogChunk>() {
                                @Override
                                public void beforeStart(ClientCallStreamObserver<StreamLogsRequest> call) {
                                    open.add(call);
                                }

                                @Override
                                public void onNext(io.muster.proto.client.v1.LogChunk value) {}

                                @Override
                                public void onError(Throwable t) {}

                                @Override
                                public void onCompleted() {}
                            });
                }
                Await.until("every stream is open", T, () -> api.openLogStreams() == ClientGrpcServer.MAX_LOG_STREAMS);
                StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> blocking.withDeadlineAfter(20, TimeUnit.SECONDS).streamLogs(StreamLogsRequest.newBuilder().setJobId("chatty").build()).hasNext());
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
                open.forEach(call -> call.cancel("leaving", null));
                Await.until("every stream is freed", T, () -> api.openLogStreams() == 0);
                Await.until("every follow is cancelled, on the worker too", T, () -> logs.follows.size() == ClientGrpcServer.MAX_LOG_STREAMS
                        && logs.follows.stream().allMatch(x -> {
                            synchronized (x) {
                                return x.cancelled;
                            }
                        }));
                w.close();
            } finally {
                channels.forEach(ManagedChannel::shutdownNow);
                api.close();
            }
        }
    }
}
