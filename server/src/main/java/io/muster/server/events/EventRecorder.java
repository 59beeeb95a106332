package io.muster.server.events;

import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.OperationRecord;
import io.muster.server.state.Snapshots;
import io.muster.server.state.StateListener;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the changes of each applied entry into {@link StateEvent}s, on the apply thread, from the before and after
 * records the state machine reports: a pure function of the applied entries, so every server (follower included)
 * records the same events for the same index, in the same order. The entry's events go to the journal whole when
 * the entry's index is announced, then subscribers are woken.
 *
 * <p>Cost on the apply thread: one small record per change and a list append; nothing is serialized here.
 */
public final class EventRecorder implements StateListener {
    /** Longest message an allocation event carries (a worker's message is otherwise unbounded text). */
    static final int MAX_TEXT = 256;

    private final Snapshots state;
    private final EventJournal journal;
    private final Runnable onAppend;
    /** The state before the entry being applied (as of the last announced index). */
    private ClusterSnapshot before;
    private List<StateEvent> pending = new ArrayList<>();
    private final Set<String> jobsSeen = new HashSet<>();

    /** @param onAppend told after each index's events are in the journal (wakes subscribers; must not block) */
    public EventRecorder(Snapshots state, EventJournal journal, Runnable onAppend) {
        this.state = state;
        this.journal = journal;
        this.onAppend = onAppend;
        this.before = state.snapshot();
    }

    private void add(Topic topic, String type, String key, String jobId, long nodeId, EventPayload payload) {
        // Listener calls come after the entry's snapshot is published: its index is the entry's.
        pending.add(new StateEvent(state.snapshot().index(), topic, type, key, jobId, nodeId, payload));
    }

    @Override
    public void nodeChanged(NodeRecord b, NodeRecord a) {
        if (a == null) return;
        String key = Long.toString(a.id());
        EventPayload p = new EventPayload.Node(a.state().wire(), a.eligible(), a.drain().wire(), a.hostname(), a.version());
        add(Topic.NODE, nodeType(b, a), key, null, a.id(), p);
    }

    static String nodeType(NodeRecord b, NodeRecord a) {
        if (b == null) return "NodeRegistered";
        if (b.state() != a.state()) {
            return switch (a.state()) {
                case DOWN -> "NodeDown";
                case READY -> "NodeReady";
                case REVOKED -> "NodeRevoked";
                case DRAINING -> "NodeDraining";
                case INITIALIZING -> "NodeInitializing";
            };
        }
        if (b.drain() != a.drain()) return "NodeDrain";
        if (b.eligible() != a.eligible()) return "NodeEligibility";
        return "NodeUpdated";
    }

    @Override
    public void allocChanged(AllocRecord b, AllocRecord a) {
        if (a == null) {
            if (b != null) add(Topic.ALLOCATION, "AllocationDeleted", b.id(), b.jobId(), b.nodeId(), EventPayload.NONE);
            return;
        }
        var latest = a.events().latest();
        EventPayload p = new EventPayload.Allocation(a.jobId(), a.jobVersion(), a.group(), a.index(), a.nodeId(),
                a.desiredRun() ? "run" : "stop", a.status().wire(), a.exitCode(), cap(a.message()),
                latest == null ? null : latest.type().wire(), a.attempt(), a.previousAllocId().isEmpty() ? null : a.previousAllocId());
        add(Topic.ALLOCATION, b == null ? "AllocationPlaced" : "AllocationUpdated", a.id(), a.jobId(), a.nodeId(), p);
    }

    private static String cap(String s) {
        if (s == null || s.isEmpty()) return null;
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }

    @Override
    public void jobChanged(String jobId) {
        if (!jobsSeen.add(jobId)) return; // told twice for one entry: the before/after diff is the same
        JobRecord b = before.job(jobId).orElse(null);
        JobRecord a = state.snapshot().job(jobId).orElse(null);
        if (a == null) {
            if (b != null) add(Topic.JOB, "JobDeleted", jobId, jobId, 0, EventPayload.NONE);
            return;
        }
        boolean registered = b == null || b.version() != a.version() || (b.stopped() && !a.stopped());
        if (registered || b.stopped() != a.stopped()) {
            String type = registered ? "JobRegistered" : "JobStopped";
            add(Topic.JOB, type, jobId, jobId, 0, new EventPayload.Job(a.version(), a.type(), a.stopped()));
        }
        if (b != null && b.version() != a.version() && !a.hasOperation())
            add(Topic.DEPLOYMENT, "DeploymentStarted", jobId, jobId, 0, new EventPayload.Deployment(a.version(), b.version()));
        if (a.hasOperation()) operation(jobId, b == null || b.version() != a.version() ? null : b.operation(), a.operation());
    }

    private void operation(String jobId, OperationRecord b, OperationRecord a) {
        String type;
        if (b == null) type = "OperationQueued";
        else if (b.status() != a.status()) {
            type = switch (a.status()) {
                case QUEUED -> "OperationQueued";
                case RUNNING -> "OperationStarted";
                case COMPLETE -> "OperationCompleted";
                case FAILED -> "OperationFailed";
                case CANCELLED -> "OperationCancelled";
            };
        } else if (b.step() != a.step()) type = "OperationStepAdvanced";
        else if (Objects.equals(b, a)) return;
        else type = "OperationUpdated";
        add(Topic.OPERATION, type, jobId, jobId, 0, new EventPayload.Operation(a.status().wire(), a.step(), a.nodes().size(), a.reason()));
    }

    @Override
    public void applied(long index) {
        flush(index);
        before = state.snapshot();
    }

    private void flush(long index) {
        List<StateEvent> events = pending;
        journal.append(index, events);
        if (!events.isEmpty()) pending = new ArrayList<>();
        jobsSeen.clear();
        onAppend.run();
    }

    @Override
    public void restored() {
        pending = new ArrayList<>();
        jobsSeen.clear();
        before = state.snapshot();
        journal.reset(before.index());
        onAppend.run();
    }
}
