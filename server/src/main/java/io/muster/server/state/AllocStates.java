package io.muster.server.state;

import io.muster.proto.AllocState;

/** Allocation lifecycle: pending → running → complete | failed | lost | stopped. */
public final class AllocStates {
    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    public static final String COMPLETE = "complete";
    public static final String FAILED = "failed";
    public static final String LOST = "lost";
    public static final String STOPPED = "stopped";

    private AllocStates() {}

    public static boolean isTerminal(String s) {
        return COMPLETE.equals(s) || FAILED.equals(s) || LOST.equals(s) || STOPPED.equals(s);
    }

    public static String of(AllocState s) {
        return switch (s) {
            case ALLOC_RUNNING -> RUNNING;
            case ALLOC_COMPLETE -> COMPLETE;
            case ALLOC_FAILED -> FAILED;
            case ALLOC_LOST -> LOST;
            case ALLOC_STOPPED -> STOPPED;
            default -> PENDING;
        };
    }

    public static AllocState toProto(String s) {
        return switch (s) {
            case RUNNING -> AllocState.ALLOC_RUNNING;
            case COMPLETE -> AllocState.ALLOC_COMPLETE;
            case FAILED -> AllocState.ALLOC_FAILED;
            case LOST -> AllocState.ALLOC_LOST;
            case STOPPED -> AllocState.ALLOC_STOPPED;
            default -> AllocState.ALLOC_PENDING;
        };
    }
}
