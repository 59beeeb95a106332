package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.worker.state.WorkerState.StatusRecord;
import org.junit.jupiter.api.Test;

class StatusOutboxTest {
    private static StatusRecord status(AllocState state) {
        return new StatusRecord(state.name(), 0, state.name(), 1, 0, 0);
    }

    @Test
    void aChangeMadeWhileABatchIsInFlightIsNotClearedByItsAcknowledgement() {
        StatusOutbox outbox = new StatusOutbox();
        outbox.offer("a", status(AllocState.ALLOC_RUNNING));
        StatusOutbox.Batch inFlight = outbox.pending();
        assertEquals(1, inFlight.statuses().size());
        assertFalse(outbox.settled("a"));

        outbox.offer("a", status(AllocState.ALLOC_COMPLETE)); // changes before the ack arrives
        outbox.acknowledged(inFlight.versions());
        assertFalse(outbox.settled("a"), "the final status was not acknowledged yet");
        StatusOutbox.Batch next = outbox.pending();
        assertEquals(AllocState.ALLOC_COMPLETE, next.statuses().get(0).getState());

        outbox.acknowledged(next.versions());
        assertTrue(outbox.settled("a"));
        assertTrue(outbox.pending().statuses().isEmpty());
    }

    @Test
    void aLargeBacklogGoesOutInBatches() {
        StatusOutbox outbox = new StatusOutbox();
        int total = StatusOutbox.MAX_STATUSES_PER_REPORT + 5;
        for (int i = 0; i < total; i++) {
            outbox.offer("a" + i, status(AllocState.ALLOC_RUNNING));
        }
        StatusOutbox.Batch first = outbox.pending();
        assertEquals(StatusOutbox.MAX_STATUSES_PER_REPORT, first.statuses().size());
        assertTrue(first.more());
        outbox.acknowledged(first.versions());
        StatusOutbox.Batch rest = outbox.pending();
        assertEquals(5, rest.statuses().size());
        assertFalse(rest.more());
    }
}
