package io.muster.cli;

import io.muster.types.config.WorkerConfig;
import java.util.ArrayList;
import java.util.List;

/** The shape the CLI expects of io.muster.worker.WorkerDaemon, for the reflection binding test. */
public final class FakeWorkerDaemon {
    static final List<String> EVENTS = new ArrayList<>();
    static WorkerConfig lastConfig;
    static String failure;

    public record Options(boolean flag) {
        public static Options defaults() {
            return new Options(true);
        }
    }

    public FakeWorkerDaemon(WorkerConfig config, Options options) {
        lastConfig = config;
        EVENTS.add("new " + options.flag());
    }

    public FakeWorkerDaemon start() {
        EVENTS.add("start");
        return this;
    }

    public void shutdown() {
        EVENTS.add("shutdown");
    }

    /** Like the real daemon's: returns when it stopped, throws if it stopped because of an error. */
    public void awaitTermination() {
        EVENTS.add("await");
        if (failure != null) throw new IllegalStateException(failure);
    }
}
