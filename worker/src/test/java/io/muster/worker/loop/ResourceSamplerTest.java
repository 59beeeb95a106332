package io.muster.worker.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.proto.AllocUsage;
import io.muster.worker.fake.ManualTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Allocation usage is read at its own pace, not per heartbeat, and rides along with one heartbeat per sample. */
class ResourceSamplerTest {
    @Test
    void allocationUsageIsSampledOncePerIntervalWhateverTheHeartbeatRate() {
        ManualTime time = new ManualTime(1_700_000_000_000L);
        AtomicInteger reads = new AtomicInteger();
        ResourceSampler sampler = new ResourceSampler(time, Duration.ofSeconds(10), () -> {
            reads.incrementAndGet();
            return List.of(AllocUsage.newBuilder().setAllocId("a1").setMemoryBytes(1 << 20).build());
        });
        assertEquals(1, sampler.sample(1).getAllocsCount(), "the first heartbeat carries a sample");
        for (int beat = 0; beat < 9; beat++) {
            time.advance(Duration.ofSeconds(1));
            assertEquals(0, sampler.sample(1).getAllocsCount(), "heartbeats between samples carry none");
        }
        assertEquals(1, reads.get(), "the cgroups were read once in 9 s of heartbeats");
        time.advance(Duration.ofSeconds(1));
        assertEquals("a1", sampler.sample(1).getAllocs(0).getAllocId());
        assertEquals(2, reads.get());
        assertEquals(1, sampler.sample(1).getRunningAllocs());
    }
}
