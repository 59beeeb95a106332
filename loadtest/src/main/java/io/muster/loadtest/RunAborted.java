package io.muster.loadtest;

/** Ends a run early with a message for the operator; the run still writes its partial report. */
final class RunAborted extends RuntimeException {
    RunAborted(String message) {
        super(message);
    }
}
