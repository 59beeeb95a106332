package io.muster.server.grpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.muster.pki.Identity;

/** The authenticated peer of the current gRPC call (from its mTLS certificate). */
public final class Caller {
    static final Context.Key<Identity> IDENTITY = Context.key("muster-identity");

    private Caller() {}

    public static Identity identity() {
        Identity id = IDENTITY.get();
        if (id == null) throw Status.UNAUTHENTICATED.withDescription("a client certificate is required").asRuntimeException();
        return id;
    }

    /** The node a request names must be the certificate's own node. */
    public static long requireNode(long claimed) {
        Identity id = identity();
        if (id.kind() != Identity.Kind.NODE) throw denied("only workers call this");
        long own = id.nodeId();
        if (claimed != own) throw denied("certificate of node " + own + " cannot speak for node " + claimed);
        return own;
    }

    public static void requireServer() {
        if (identity().kind() != Identity.Kind.SERVER) throw denied("only servers call this");
    }

    static StatusRuntimeException denied(String msg) {
        return Status.PERMISSION_DENIED.withDescription(msg).asRuntimeException();
    }
}
