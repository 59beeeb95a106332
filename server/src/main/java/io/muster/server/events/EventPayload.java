package io.muster.server.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The compact body of an event: what changed and where it now is, never a job spec (which may name secrets and hold
 * environment values), a node's certificate or any secret. Records, so a transport serializes them as they are.
 */
public sealed interface EventPayload {

    /** A job as a whole: version, type, whether it is stopped. */
    record Job(long version, String type, boolean stopped) implements EventPayload {}

    /** A node's standing: the scheduler's view of it. */
    record Node(String state, boolean eligible, String drain, String hostname, String version) implements EventPayload {}

    /**
     * An allocation: where it runs, what it should do ({@code desired}: run or stop) and what it does. {@code event} is
     * the newest of its own events (placed, started, exited...), {@code message} the worker's or the server's last word,
     * at most {@value EventRecorder#MAX_TEXT} characters.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Allocation(@JsonProperty("job_id") String jobId, @JsonProperty("job_version") long jobVersion, String group, int index,
                      @JsonProperty("node_id") long nodeId, String desired, String status, @JsonProperty("exit_code") int exitCode,
                      String message, String event, int attempt, @JsonProperty("previous_alloc_id") String previousAllocId)
            implements EventPayload {}

    /** An operation job's progress: status, the step it is in (0-based), how many nodes it targets. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Operation(String status, int step, int nodes, String reason) implements EventPayload {}

    /** A new version of a job replacing its previous one's allocations. */
    record Deployment(@JsonProperty("job_version") long version, @JsonProperty("previous_version") long previousVersion)
            implements EventPayload {}

    /** For events with nothing more to say than their type and key (a deleted job or allocation). */
    record None() implements EventPayload {}

    /** The shared empty payload. */
    None NONE = new None();
}
