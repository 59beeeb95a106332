package io.muster.cli;

import io.muster.types.config.WorkerConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Starts {@code io.muster.worker.WorkerDaemon} by name: the worker daemon is developed on its own branch, and
 * binding by reflection keeps this module compiling and {@code muster dev --no-worker} working without it. The
 * contract used is {@code new WorkerDaemon(WorkerConfig, WorkerDaemon.Options.defaults()).start()}, stopped
 * with {@code shutdown()} or, failing that, {@code close()}, and waited for with {@code awaitTermination()}, which
 * throws if the daemon stopped because of an error.
 */
final class WorkerLauncher {
    static final String DAEMON_CLASS = "io.muster.worker.WorkerDaemon";

    /** A started worker daemon. */
    record Running(Object daemon) {
        void stop() {
            for (String name : new String[] {"shutdown", "close", "stop"}) {
                Method m;
                try {
                    m = daemon.getClass().getMethod(name);
                } catch (NoSuchMethodException e) {
                    continue;
                }
                try {
                    m.invoke(daemon);
                } catch (InvocationTargetException e) {
                    throw new CliFailure("stopping the worker failed: " + Daemons.rootMessage(e.getCause()), e.getCause());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                return;
            }
        }
    }

    private WorkerLauncher() {}

    /**
     * Blocks until the daemon has stopped.
     *
     * @throws CliFailure with the daemon's reason if it stopped because of an error (refused registration, revoked)
     */
    static void awaitTermination(Running worker) {
        Method m;
        try {
            m = worker.daemon().getClass().getMethod("awaitTermination");
        } catch (NoSuchMethodException e) {
            throw new CliFailure("this worker daemon (" + worker.daemon().getClass().getName() + ") has no awaitTermination()");
        }
        try {
            m.invoke(worker.daemon());
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            String reason = cause.getMessage() == null || cause.getMessage().isBlank() ? cause.toString() : cause.getMessage();
            throw new CliFailure("the worker stopped: " + reason, cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean available() {
        return available(DAEMON_CLASS);
    }

    static boolean available(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static Running start(WorkerConfig config) throws Exception {
        return start(DAEMON_CLASS, config);
    }

    static Running start(String className, WorkerConfig config) throws Exception {
        Class<?> daemonClass;
        try {
            daemonClass = Class.forName(className);
        } catch (ClassNotFoundException e) {
            throw new CliFailure("this build has no worker daemon (" + className + " is missing)");
        }
        Class<?> optionsClass = Class.forName(className + "$Options");
        try {
            Object options = optionsClass.getMethod("defaults").invoke(null);
            Object daemon = daemonClass.getConstructor(WorkerConfig.class, optionsClass).newInstance(config, options);
            Object started = daemonClass.getMethod("start").invoke(daemon);
            return new Running(daemonClass.isInstance(started) ? started : daemon);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : new RuntimeException(e.getCause());
        }
    }
}
