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

    /**
     * Like {@link #runUntilSignal}, for a daemon that can also end by itself: returns once {@code awaitEnd} returns
     * (the daemon stopped, after a signal or on its own) and lets its exception through. A daemon that failed then
     * fails the command (exit code 1, so systemd restarts it and shows why) instead of leaving a process that
     * does nothing.
     */
    static void runUntilSignalOrEnd(Runnable stop, Runnable awaitEnd) {
        Thread hook = new Thread(stop, "muster-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            awaitEnd.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // A signal is being handled: the hook stops the daemon and the JVM exits when it is done.
            }
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
