package io.muster.scheduler;

/** Client-side state of an allocation. */
public enum AllocStatus {
    PENDING,
    RUNNING,
    /** Exited successfully (or was stopped cleanly). */
    COMPLETE,
    /** Exited unsuccessfully after its restarts. */
    FAILED,
    /** Its node went down before it finished. */
    LOST,
    /** Stopped on request before it finished. */
    STOPPED;

    /** Whether the allocation has finished and no longer holds resources. */
    public boolean terminal() {
        return this != PENDING && this != RUNNING;
    }
}
