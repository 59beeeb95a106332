package io.muster.cli;

import java.util.concurrent.CountDownLatch;

/** Long-running commands: run until SIGINT/SIGTERM, then stop gracefully in a shutdown hook. */
final class Daemons {
    private Daemons() {}

    /**
     * Installs {@code stop} as a shutdown hook and blocks until it has run. The JVM turns SIGINT and SIGTERM into
     * an orderly exit that runs hooks, so this is where a server hands over leadership and a worker says goodbye.
     */
    static void runUntilSignal(Runnable stop) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stop.run();
            } finally {
                stopped.countDown();
            }
        }, "muster-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The innermost message of a startup failure, e.g. "Address already in use". */
    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        String m = c.getMessage();
        return m == null || m.isBlank() ? c.getClass().getSimpleName() : c.getClass().getSimpleName() + ": " + m;
    }
}
