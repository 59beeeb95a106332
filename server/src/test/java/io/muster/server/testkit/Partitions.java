package io.muster.server.testkit;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * A partition table for in-JVM clusters. Each server's Ratis gRPC endpoint gets an interceptor that
 * refuses server-to-server requests (votes, appends, snapshots) whose sender is cut off from it, in
 * both directions — what a network partition does — while client traffic still arrives.
 */
public final class Partitions {
    private final Set<Integer> isolated = ConcurrentHashMap.newKeySet();

    /** Cuts {@code id} off from every other server. */
    public void isolate(int id) {
        isolated.add(id);
    }

    public void heal() {
        isolated.clear();
    }

    boolean blocked(int from, int to) {
        return from != to && (isolated.contains(from) || isolated.contains(to));
    }

    public ServerInterceptor interceptor(int self) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                ServerCall.Listener<Q> delegate = next.startCall(call, headers);
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                    private boolean cut;

                    @Override
                    public void onMessage(Q message) {
                        if (cut) return;
                        Integer from = requestor(message);
                        if (from != null && blocked(from, self)) {
                            cut = true;
                            call.close(Status.UNAVAILABLE.withDescription("partitioned from " + from), new Metadata());
                            return;
                        }
                        super.onMessage(message);
                    }

                    @Override
                    public void onHalfClose() {
                        if (!cut) super.onHalfClose();
                    }

                    @Override
                    public void onComplete() {
                        if (!cut) super.onComplete();
                    }
                };
            }
        };
    }

    /** The sending server of a Ratis server-to-server request, or null for client requests. */
    static Integer requestor(Object message) {
        try {
            Method m = message.getClass().getMethod("getServerRequest");
            Object rpc = m.invoke(message);
            Object id = rpc.getClass().getMethod("getRequestorId").invoke(rpc);
            String s = (String) id.getClass().getMethod("toStringUtf8").invoke(id);
            return Integer.parseInt(s);
        } catch (ReflectiveOperationException | NumberFormatException e) {
            return null;
        }
    }
}
