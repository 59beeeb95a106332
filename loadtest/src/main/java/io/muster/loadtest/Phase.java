package io.muster.loadtest;

import java.util.Map;

/** One scenario of a run. {@link #run} fills {@code figures} as it goes, so a failed phase still reports what it saw. */
interface Phase {
    String name();

    /** One line printed when the phase starts. */
    String describe();

    void run(Map<String, Object> figures) throws Exception;

    /** The live progress text. */
    String status();
}
