package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The registration/renewal pool refuses work when its queue is full instead of growing. */
class CryptoPoolTest {
    static final class Answer implements StreamObserver<Object> {
        volatile Throwable error;

        @Override
        public void onNext(Object value) {}

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {}
    }

    @Test
    void aFullQueueRefusesWithResourceExhaustedAndAPushback() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (CryptoPool pool = new CryptoPool(1, 2)) {
            Runnable hold = () -> {
                running.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Answer first = new Answer();
            pool.submit(hold, first, "registrations");
            running.await(10, TimeUnit.SECONDS); // the one thread is busy
            Answer queued1 = new Answer();
            Answer queued2 = new Answer();
            pool.submit(() -> {}, queued1, "registrations");
            pool.submit(() -> {}, queued2, "registrations");
            assertEquals(2, pool.queued());
            Answer refused = new Answer();
            pool.submit(() -> {}, refused, "registrations");
            Status st = Status.fromThrowable(refused.error);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, st.getCode());
            assertEquals("1000", Status.trailersFromThrowable(refused.error).get(CryptoPool.PUSHBACK));
            assertEquals(2, pool.queued(), "the queue did not grow");
            assertNull(queued1.error);
            assertNull(queued2.error);
            release.countDown();
        }
    }
}
