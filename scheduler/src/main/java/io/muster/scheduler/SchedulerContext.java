package io.muster.scheduler;

import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Everything non-deterministic a scheduling pass needs, supplied by the caller so that a pass is a pure
 * function of its inputs (a server can replay it; tests seed it).
 *
 * @param nowMillis current time (epoch ms), for reschedule backoff
 * @param random    shuffles candidate nodes so that concurrent jobs do not all pile onto the same ones
 * @param allocIds  fresh, unique allocation ids
 */
public record SchedulerContext(long nowMillis, RandomGenerator random, Supplier<String> allocIds) {

    public SchedulerContext {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(allocIds, "allocIds");
    }

    /** A deterministic context: seeded shuffling and seeded random (version 4 format) UUID alloc ids. */
    public static SchedulerContext seeded(long nowMillis, long seed) {
        SplittableRandom ids = new SplittableRandom(seed ^ 0x5DEECE66DL);
        return new SchedulerContext(nowMillis, new SplittableRandom(seed), () -> {
            long hi = (ids.nextLong() & ~0xF000L) | 0x4000L;
            long lo = (ids.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
            return new UUID(hi, lo).toString();
        });
    }

    /** A deterministic context with readable ids {@code prefix1, prefix2, …} (for tests and benchmarks). */
    public static SchedulerContext sequential(long nowMillis, long seed, String prefix) {
        AtomicLong next = new AtomicLong();
        return new SchedulerContext(nowMillis, new SplittableRandom(seed), () -> prefix + next.incrementAndGet());
    }
}
