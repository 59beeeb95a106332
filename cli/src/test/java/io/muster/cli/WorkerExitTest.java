package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.CertificateAuthorities;
import io.muster.pki.SpkiPin;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code muster worker} runs until a signal, or until the worker daemon ends by itself: a daemon that stopped
 * because of an error (refused registration, revoked node) makes the process exit 1 with one line on stderr, so
 * that systemd restarts it and shows the failure instead of a live process that does nothing.
 */
class WorkerExitTest {
    @TempDir
    Path dir;

    @Test
    void aWorkerDaemonThatFailsMakesTheCommandExitWithCode1AndOneErrorLine() {
        // A well-formed token that expired an hour ago: the daemon starts, then refuses to register with it.
        Instant now = Instant.now();
        var ca = CertificateAuthorities.createClusterCa("c1", now.minus(Duration.ofDays(1)));
        TokenClaims claims = TokenClaims.create("c1", now.minus(Duration.ofHours(2)), Duration.ofHours(1), Map.of(),
                SpkiPin.of(ca.certificate()));
        String token = JoinTokens.encode(claims, JoinTokens.newKey());

        Run r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Run.muster(Map.of(), "worker",
                "--server", "127.0.0.1:1", "--token", token, "--data-dir", dir.toString()),
                "the worker process must end when its daemon fails");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.errLine().startsWith("Error: the worker stopped: join token " + claims.tokenId() + " expired at"),
                r.toString());
        assertFalse(r.err().contains(token), "the token must not be printed");
    }

    @Test
    void aDiscoveringWorkerThatHearsNoServerExits1SayingWhereItListened() throws Exception {
        Instant now = Instant.now();
        var ca = CertificateAuthorities.createClusterCa("c1", now.minus(Duration.ofDays(1)));
        String token = JoinTokens.encode(TokenClaims.create("c1", now, Duration.ofHours(1), Map.of(), SpkiPin.of(ca.certificate())),
                JoinTokens.newKey());
        Path tokenFile = java.nio.file.Files.writeString(dir.resolve("token"), token);
        int port;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        // cluster.discover in the file (no servers list), the group and a short wait from its discovery: block.
        Path config = java.nio.file.Files.writeString(dir.resolve("worker.yaml"), """
                data_dir: %s
                cluster: {mode: worker-tier, role: worker, discover: true, token_file: %s}
                discovery: {group: 239.255.201.7, port: %d, wait: 2, settle: 0}
                """.formatted(dir.resolve("data"), tokenFile, port));
        Run r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Run.muster(Map.of(), "worker", "--config", config.toString()));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("servers from LAN discovery on 239.255.201.7:" + port), r.toString());
        assertTrue(r.errLine().startsWith("Error: the worker stopped: no server of cluster c1 announced itself on 239.255.201.7:"
                + port + " within 2 s"), r.toString());
    }
}
