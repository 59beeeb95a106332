package io.muster.pki;

import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What one leader spends per registration on PKI: CSR verification plus leaf issuance (and, for
 * context, the worker's own key generation and CSR). Not in the default run:
 * {@code ./mvnw -pl pki -am test -Dtest=IssuanceBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class IssuanceBenchmark {
    @Test
    void issuancesPerSecond() throws Exception {
        Instant now = Instant.now();
        CertificateAuthority cluster = CertificateAuthorities.createClusterCa("bench", now);
        CertificateAuthority workers = CertificateAuthorities.createWorkerCa(cluster, "bench", now);
        int n = 5_000;
        List<byte[]> csrs = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            KeyPair k = Keys.generateP256();
            csrs.add(Csrs.create(k, "w" + i));
        }
        long t1 = System.nanoTime();
        for (int round = 0; round < 2; round++) { // the first round warms the JIT
            long s = System.nanoTime();
            for (int i = 0; i < n; i++) {
                PublicKey key = Csrs.parseAndVerify(csrs.get(i));
                CertificateIssuer.issueWorkerLeaf(workers, "bench", i + 1, key, now, Duration.ofHours(72));
            }
            long e = System.nanoTime();
            long v0 = System.nanoTime();
            List<PublicKey> keys = new ArrayList<>(n);
            for (int i = 0; i < n; i++) keys.add(Csrs.parseAndVerify(csrs.get(i)));
            long v1 = System.nanoTime();
            for (int i = 0; i < n; i++) CertificateIssuer.issueWorkerLeaf(workers, "bench", i + 1, keys.get(i), now, Duration.ofHours(72));
            long v2 = System.nanoTime();
            if (round == 1) System.out.printf("  of which CSR verify %.3f ms, leaf issuance %.3f ms%n", (v1 - v0) / 1e6 / n, (v2 - v1) / 1e6 / n);
            if (round == 1) {
                System.out.printf("worker key + CSR (worker side): %,.0f/s on one thread%n", n / ((t1 - t0) / 1e9));
                System.out.printf("CSR verify + leaf issuance (server side): %,.0f/s on one thread (%.3f ms each)%n",
                        n / ((e - s) / 1e9), (e - s) / 1e6 / n);
            }
        }
    }
}
