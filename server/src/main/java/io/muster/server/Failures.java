package io.muster.server;

import java.util.concurrent.CompletionException;

/** Failures as they come out of future chains. */
public final class Failures {
    private Failures() {}

    /** What actually went wrong: a dependent stage wraps the original failure in a {@link CompletionException}. */
    public static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
