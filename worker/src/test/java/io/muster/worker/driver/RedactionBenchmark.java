package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What redaction costs: 256 MiB of log lines (8 KiB writes) through one stream with 1, 3 and 10 secrets. Not in the
 * default run:
 * {@code ./mvnw -B -o -pl worker test -Dtest=RedactionBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class RedactionBenchmark {
    @Test
    void throughput() {
        byte[] line = "2026-12-07T04:00:00Z INFO request handled in 12 ms path=/api/v1/items status=200 user=alice\n"
                .getBytes(StandardCharsets.UTF_8);
        byte[] chunk = new byte[8192];
        for (int i = 0; i < chunk.length; i++) chunk[i] = line[i % line.length];
        for (int secrets : new int[] {1, 3, 10}) {
            Map<String, byte[]> m = new LinkedHashMap<>();
            for (int i = 0; i < secrets; i++) m.put("s" + i, ("value-" + i + "-Pa55w0rd-xyz").getBytes(StandardCharsets.UTF_8));
            SecretRedactor r = SecretRedactor.of(m);
            double best = 0;
            for (int round = 0; round < 3; round++) {
                SecretRedactor.Stream s = r.stream();
                long bytes = 0;
                long t0 = System.nanoTime();
                while (bytes < 256L << 20) {
                    s.write(chunk, 0, chunk.length);
                    bytes += chunk.length;
                }
                s.flush();
                best = Math.max(best, bytes / ((System.nanoTime() - t0) / 1e9) / 1e6);
            }
            System.out.printf("redaction, %d secret(s): %.0f MB/s%n", secrets, best);
            assertTrue(best > 0);
        }
    }
}
