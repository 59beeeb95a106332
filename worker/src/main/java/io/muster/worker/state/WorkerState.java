package io.muster.worker.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * What {@code <data_dir>/worker/state.json} holds: enough for a restarted worker to resume polling where it left off
 * and to re-attach to its tasks instead of starting them twice.
 *
 * @param nodeId the node these allocations belong to; a different id after re-registration means they are not ours
 * @param lastRevision the assignment revision applied last
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkerState(int version, long nodeId, long lastRevision, boolean draining, long drainDeadlineUnixMs,
                          List<AllocRecord> allocations) {
    public static final int CURRENT_VERSION = 1;

    public WorkerState {
        allocations = allocations == null ? List.of() : List.copyOf(allocations);
    }

    public static WorkerState empty(long nodeId) {
        return new WorkerState(CURRENT_VERSION, nodeId, 0, false, 0, List.of());
    }

    /**
     * One allocation as assigned, plus what the worker knows about it.
     *
     * @param groupSpecJson the group's canonical JSON exactly as the server sent it
     * @param wanted false once the server deleted it (or left it out of a full snapshot)
     * @param tasks one entry per task that was started at least once
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AllocRecord(String id, String jobId, String group, int index, String jobType, int attempt,
                              long jobDeadlineUnixMs, String groupSpecJson, boolean wanted, List<TaskRecord> tasks,
                              StatusRecord status) {
        public AllocRecord {
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
        }
    }

    /**
     * @param key the id the task is known by to its driver ({@code allocId}, or {@code allocId.task} in groups of
     *     several tasks)
     * @param handleId the driver's id of the last run (pid or container id)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TaskRecord(String name, String driver, String key, String handleId, int restarts) {}

    /**
     * Mirrors {@code AllocStatus}; {@code state} is the proto enum's name.
     *
     * @param output operation allocations, once ended: the end of the task's output (at most 1 KiB of UTF-8); else
     *     null
     * @param events the allocation's latest events (at most {@link EventRecord#KEPT}), oldest first; reported with the
     *     status until a server acknowledged it (servers skip the ones they have by {@code seq})
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StatusRecord(String state, int exitCode, String message, long startedUnixMs, long finishedUnixMs,
                               int restarts, String output, List<EventRecord> events) {
        public StatusRecord {
            events = events == null ? List.of() : List.copyOf(events); // state files written before events
        }

        /** Without an output excerpt or events. */
        public StatusRecord(String state, int exitCode, String message, long startedUnixMs, long finishedUnixMs,
                            int restarts) {
            this(state, exitCode, message, startedUnixMs, finishedUnixMs, restarts, null, List.of());
        }

        public StatusRecord withOutput(String excerpt) {
            return new StatusRecord(state, exitCode, message, startedUnixMs, finishedUnixMs, restarts, excerpt, events);
        }

        public StatusRecord withEvents(List<EventRecord> e) {
            return new StatusRecord(state, exitCode, message, startedUnixMs, finishedUnixMs, restarts, output, e);
        }

        /** The sequence number of the newest event (0: none). */
        public long lastEventSeq() {
            return events.isEmpty() ? 0 : events.getLast().seq();
        }
    }

    /**
     * An allocation event as the worker keeps it: {@code type} is the proto {@code AllocEventType}'s name, {@code seq}
     * numbers the allocation's events 1, 2, 3 ... (carried across worker restarts in the state file).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EventRecord(long seq, long timeUnixMs, String type, String message) {
        /** Events a status carries: the server keeps its own bounded history, so only the recent ones travel. */
        public static final int KEPT = 20;
    }
}
