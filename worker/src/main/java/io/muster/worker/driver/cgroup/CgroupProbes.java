package io.muster.worker.driver.cgroup;

import java.util.concurrent.atomic.AtomicLong;

/** Numbers the probe cgroups of one JVM. */
final class CgroupProbes {
    private static final AtomicLong NEXT = new AtomicLong();

    private CgroupProbes() {}

    static long next() {
        return NEXT.incrementAndGet();
    }
}
