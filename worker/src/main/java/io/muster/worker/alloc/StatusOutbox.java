package io.muster.worker.alloc;

import io.muster.proto.AllocEvent;
import io.muster.proto.AllocEventType;
import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.worker.state.WorkerState.EventRecord;
import io.muster.worker.state.WorkerState.StatusRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The allocation statuses the servers have not acknowledged yet. It exists because a status must reach a server at
 * least once across failovers and restarts, and a change made while a report is in flight must not be lost: every
 * change gets a new version, a batch remembers the versions it carried, and an acknowledgement clears a status only
 * up to the version it covered. Batches hold at most {@link #MAX_STATUSES_PER_REPORT} statuses, so a restarted
 * worker's whole backlog goes out in several small messages.
 *
 * <p>Not thread-safe: {@link Allocations} guards it with its monitor. When and how often batches are sent (the
 * retry pacing) is the heartbeat loop's business.
 */
final class StatusOutbox {
    /** Statuses per report: a restarted worker resends everything, which must stay far below gRPC's 4 MiB limit. */
    static final int MAX_STATUSES_PER_REPORT = 1000;

    /**
     * One batch to send.
     *
     * @param versions the version of each status carried, for {@link #acknowledged}
     * @param more statuses were left out to keep the message small
     */
    record Batch(List<AllocStatus> statuses, Map<String, Long> versions, boolean more) {}

    private static final class Slot {
        StatusRecord status;
        long version;
        long acked;
    }

    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private long versions;

    /** A new status to report for {@code allocId} (replacing one not sent yet). */
    void offer(String allocId, StatusRecord status) {
        Slot s = slots.computeIfAbsent(allocId, id -> new Slot());
        s.status = status;
        s.version = ++versions;
    }

    /** The statuses not acknowledged yet, oldest allocation first, at most {@link #MAX_STATUSES_PER_REPORT}. */
    Batch pending() {
        List<AllocStatus> statuses = new ArrayList<>();
        Map<String, Long> carried = new LinkedHashMap<>();
        boolean more = false;
        for (Map.Entry<String, Slot> e : slots.entrySet()) {
            Slot s = e.getValue();
            if (s.version > s.acked) {
                if (statuses.size() == MAX_STATUSES_PER_REPORT) {
                    more = true;
                    break;
                }
                statuses.add(toProto(e.getKey(), s.status));
                carried.put(e.getKey(), s.version);
            }
        }
        return new Batch(statuses, carried, more);
    }

    /** A server acknowledged these versions: they need not be sent again (unless they changed since). */
    void acknowledged(Map<String, Long> carried) {
        carried.forEach((id, version) -> {
            Slot s = slots.get(id);
            if (s != null) {
                s.acked = Math.max(s.acked, version);
            }
        });
    }

    /** Whether a server has the latest status of {@code allocId} (or there never was one). */
    boolean settled(String allocId) {
        Slot s = slots.get(allocId);
        return s == null || s.acked >= s.version;
    }

    void forget(String allocId) {
        slots.remove(allocId);
    }

    static AllocStatus toProto(String allocId, StatusRecord s) {
        AllocState state;
        try {
            state = AllocState.valueOf(s.state());
        } catch (IllegalArgumentException e) {
            state = AllocState.ALLOC_STATE_UNSPECIFIED;
        }
        AllocStatus.Builder b = AllocStatus.newBuilder();
        if (s.output() != null) {
            b.setOutput(s.output());
        }
        for (EventRecord e : s.events()) {
            AllocEventType type;
            try {
                type = AllocEventType.valueOf(e.type());
            } catch (IllegalArgumentException | NullPointerException ex) {
                type = AllocEventType.ALLOC_EVENT_TYPE_UNSPECIFIED;
            }
            b.addEvents(AllocEvent.newBuilder().setSeq(e.seq()).setTimeUnixMs(e.timeUnixMs()).setType(type)
                    .setMessage(e.message() == null ? "" : e.message()));
        }
        return b
                .setAllocId(allocId)
                .setState(state)
                .setExitCode(s.exitCode())
                .setMessage(s.message() == null ? "" : s.message())
                .setStartedUnixMs(s.startedUnixMs())
                .setFinishedUnixMs(s.finishedUnixMs())
                .setRestarts(Math.max(0, s.restarts()))
                .build();
    }
}
