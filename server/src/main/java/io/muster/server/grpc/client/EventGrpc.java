package io.muster.server.grpc.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.muster.proto.client.v1.EventGap;
import io.muster.proto.client.v1.EventHeartbeat;
import io.muster.proto.client.v1.EventItem;
import io.muster.proto.client.v1.EventLagged;
import io.muster.proto.client.v1.EventServiceGrpc;
import io.muster.proto.client.v1.SubscribeEventsRequest;
import io.muster.server.events.EventBroker;
import io.muster.server.events.EventFilter;
import io.muster.server.events.EventSink;
import io.muster.server.events.EventTopics;
import io.muster.server.events.StateEvent;
import io.muster.server.events.StreamItem;
import io.muster.server.events.Subscription;
import io.muster.server.service.ServiceException;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code EventService.Subscribe}: the gRPC adapter of {@link EventBroker}, beside the REST one (NDJSON on
 * {@code /v1/events}). The same filter, topics and permissions; gRPC's flow control stands in for Vert.x's write queue:
 * the sink reports full while the call is not ready, the subscription waits, and resumes when the call is ready again.
 */
final class EventGrpc extends EventServiceGrpc.EventServiceImplBase {
    static final int MAX_JOB_ID = 256;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventBroker broker;

    EventGrpc(EventBroker broker) {
        this.broker = broker;
    }

    @Override
    public void subscribe(SubscribeEventsRequest req, StreamObserver<EventItem> out) {
        var call = (ServerCallStreamObserver<EventItem>) out;
        EventFilter filter;
        try {
            String job = req.getJobId().isEmpty() ? null : req.getJobId();
            if (job != null && job.length() > MAX_JOB_ID)
                throw new ServiceException(400, "BAD_REQUEST", "job_id must be a job id of 1 to " + MAX_JOB_ID + " characters");
            if (req.getNodeId() < 0) throw new ServiceException(400, "BAD_REQUEST", "node_id must be a node id");
            filter = new EventFilter(EventTopics.resolve(req.getTopicsList(), ClientAuth.CALLER_POLICY.get()), job, req.getNodeId());
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        OptionalLong from = req.hasIndex() ? OptionalLong.of(req.getIndex()) : OptionalLong.empty();
        GrpcSink sink = new GrpcSink(call);
        Subscription sub;
        try {
            sub = broker.subscribe(from, filter, sink);
        } catch (EventBroker.TooManySubscribers e) {
            out.onError(Status.RESOURCE_EXHAUSTED.withDescription("TOO_MANY_SUBSCRIBERS: " + e.getMessage()).asRuntimeException());
            return;
        }
        call.setOnCancelHandler(sub::cancel);
        call.setOnReadyHandler(sub::resume);
        if (call.isCancelled()) sub.cancel();
    }

    static EventItem item(StreamItem i) {
        return switch (i) {
            case StreamItem.Event(StateEvent e) -> EventItem.newBuilder().setEvent(io.muster.proto.client.v1.StateEvent.newBuilder()
                    .setIndex(e.index()).setTopic(e.topic().wire()).setType(e.type()).setKey(e.key())
                    .setJobId(e.jobId() == null ? "" : e.jobId()).setNodeId(e.nodeId()).setPayloadJson(json(e.payload()))).build();
            case StreamItem.Heartbeat h -> EventItem.newBuilder().setHeartbeat(EventHeartbeat.newBuilder().setIndex(h.index())).build();
            case StreamItem.Gap g -> EventItem.newBuilder().setGap(EventGap.newBuilder().setIndex(g.index()).setOldestIndex(g.oldestIndex())
                    .setRequestedIndex(g.requestedIndex()).setReason(g.reason())).build();
            case StreamItem.Lagged l -> EventItem.newBuilder().setLagged(EventLagged.newBuilder().setIndex(l.index()).setReason(l.reason())).build();
        };
    }

    private static String json(Object payload) {
        try {
            return JSON.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an event payload is a plain record", e);
        }
    }

    /** Hands items to gRPC on the subscription's thread; full while the call is not ready (the client is behind). */
    private static final class GrpcSink implements EventSink {
        private final ServerCallStreamObserver<EventItem> call;
        private volatile boolean done;

        GrpcSink(ServerCallStreamObserver<EventItem> call) {
            this.call = call;
        }

        @Override
        public boolean send(List<StreamItem> items) {
            if (done || call.isCancelled()) return true; // the cancel handler ends the subscription
            synchronized (this) {
                for (StreamItem i : items) call.onNext(item(i));
            }
            return call.isReady();
        }

        @Override
        public synchronized void end() {
            if (done) return;
            done = true;
            if (!call.isCancelled()) call.onCompleted();
        }
    }
}
