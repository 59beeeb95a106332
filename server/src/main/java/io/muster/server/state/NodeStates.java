package io.muster.server.state;

/** Node lifecycle: initializing → ready → draining → down, and revoked (terminal). */
public final class NodeStates {
    public static final String INITIALIZING = "initializing";
    public static final String READY = "ready";
    public static final String DRAINING = "draining";
    public static final String DOWN = "down";
    public static final String REVOKED = "revoked";

    private NodeStates() {}
}
