package io.muster.loadtest;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * The live progress line on stderr: rewritten in place (carriage return) on a terminal, plain lines every
 * few seconds otherwise, so logs and CI output stay readable.
 */
final class Progress {
    private final PrintStream err;
    private final boolean tty;
    private volatile Supplier<String> status;
    private volatile String phase = "";
    private long lastPlainNanos;
    private int lastWidth;

    Progress(PrintStream err, boolean tty) {
        this.err = err;
        this.tty = tty;
    }

    /** A real terminal on stderr? {@code System.console()} alone is not enough on JDK 22+, where it may exist without one. */
    static boolean detectTty() {
        var console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) console.getClass().getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true; // JDK 21: a console exists only with a terminal
        }
    }

    synchronized void phase(String name, Supplier<String> status) {
        clear();
        this.phase = name;
        this.status = status;
        lastPlainNanos = 0;
    }

    /** A permanent line (phase start/end, warnings). */
    synchronized void line(String text) {
        clear();
        err.println(text);
        err.flush();
    }

    synchronized void idle() {
        clear();
        status = null;
    }

    /** Called once a second. */
    synchronized void tick() {
        Supplier<String> s = status;
        if (s == null) return;
        String text;
        try {
            text = "[" + phase + "] " + s.get();
        } catch (RuntimeException e) {
            return;
        }
        if (tty) {
            String padded = text.length() < lastWidth ? text + " ".repeat(lastWidth - text.length()) : text;
            err.print("\r" + padded);
            lastWidth = text.length();
            err.flush();
        } else if (System.nanoTime() - lastPlainNanos >= 5_000_000_000L) {
            err.println(text);
            err.flush();
            lastPlainNanos = System.nanoTime();
        }
    }

    private void clear() {
        if (tty && lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
    }
}
