package io.muster.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.muster.proto.IndexDigest;
import io.muster.proto.InternalServiceGrpc;
import io.muster.proto.StateDigestsReply;
import io.muster.proto.StateDigestsRequest;
import io.muster.server.digest.DigestRecorder;
import io.muster.server.state.StateDigest;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/** {@code InternalService.StateDigests}: this server's recent digests as a reply, and another server's asked for. */
final class DigestExchange {
    private DigestExchange() {}

    static StateDigestsReply reply(int serverId, long appliedIndex, DigestRecorder recorder) {
        StateDigestsReply.Builder b = StateDigestsReply.newBuilder().setServerId(serverId).setAppliedIndex(appliedIndex);
        if (recorder == null) return b.build();
        b.setDigestInterval(recorder.interval());
        for (Map.Entry<Long, StateDigest> e : recorder.recent().entrySet())
            b.addDigests(IndexDigest.newBuilder().setIndex(e.getKey()).setSha256(ByteString.copyFrom(e.getValue().bytes())));
        return b.build();
    }

    /** Asks {@code serverId}; fails if it cannot be reached or answers for another server id. */
    static CompletableFuture<SortedMap<Long, StateDigest>> ask(InternalServiceGrpc.InternalServiceStub stub, int serverId) {
        CompletableFuture<SortedMap<Long, StateDigest>> result = new CompletableFuture<>();
        stub.stateDigests(StateDigestsRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(StateDigestsReply r) {
                if (r.getServerId() != serverId) {
                    result.completeExceptionally(new IllegalStateException("server " + serverId + "'s address answered as server " + r.getServerId()));
                    return;
                }
                try {
                    SortedMap<Long, StateDigest> out = new TreeMap<>();
                    for (IndexDigest d : r.getDigestsList()) out.put(d.getIndex(), StateDigest.ofBytes(d.getSha256().toByteArray()));
                    result.complete(out);
                } catch (IllegalArgumentException e) {
                    result.completeExceptionally(e);
                }
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.completeExceptionally(new IllegalStateException("server " + serverId + " sent no digests"));
            }
        });
        return result;
    }
}
