package io.muster.worker.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.CertificateAuthorities;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.Keys;
import io.muster.pki.pem.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityStoreTest {
    private static final String CLUSTER = "c1";
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private static final CertificateAuthority CLUSTER_CA = CertificateAuthorities.createClusterCa(CLUSTER, NOW.minus(Duration.ofDays(1)));
    private static final CertificateAuthority WORKER_CA = CertificateAuthorities.createWorkerCa(CLUSTER_CA, CLUSTER, NOW.minus(Duration.ofDays(1)));

    @TempDir
    Path root;

    private static WorkerIdentity identity(long node, Duration lifetime) throws IdentityException {
        KeyPair key = Keys.generateP256();
        X509Certificate leaf = CertificateIssuer.issueWorkerLeaf(WORKER_CA, CLUSTER, node, key.getPublic(), NOW, lifetime);
        return WorkerIdentity.verify(key.getPrivate(), List.of(leaf),
                List.of(CLUSTER_CA.certificate(), WORKER_CA.certificate()), CLUSTER, node, null, NOW);
    }

    @Test
    void savesWithTightModesAndLoadsBack() throws Exception {
        IdentityStore store = new IdentityStore(root.resolve("identity"));
        assertTrue(store.load(NOW).isEmpty(), "no identity yet");
        WorkerIdentity saved = identity(7, Duration.ofDays(3));
        store.save(saved);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.dir())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.keyFile())));
        WorkerIdentity loaded = store.load(NOW).orElseThrow();
        assertEquals(7, loaded.nodeId());
        assertEquals(CLUSTER, loaded.clusterId());
        assertEquals(saved.leaf(), loaded.leaf());
        assertEquals(CLUSTER_CA.certificate(), loaded.clusterCa());
        assertEquals(WORKER_CA.certificate(), loaded.workerCa());
        assertFalse(loaded.toString().contains("BEGIN"), "toString never shows the key");
    }

    @Test
    void aSaveInterruptedAfterTheCertificateIsCompletedOnLoad() throws Exception {
        IdentityStore store = new IdentityStore(root);
        store.save(identity(7, Duration.ofDays(3)));
        WorkerIdentity next = identity(7, Duration.ofDays(3));
        // The crash: new key beside the old one and the new certificate written, the key not yet renamed.
        Pem.writePrivateKey(root.resolve(IdentityStore.PENDING_KEY_FILE), next.privateKey());
        Pem.writeCertificates(store.certFile(), next.certificateChain());

        WorkerIdentity loaded = store.load(NOW).orElseThrow();
        assertEquals(next.leaf(), loaded.leaf());
        assertFalse(Files.exists(root.resolve(IdentityStore.PENDING_KEY_FILE)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.keyFile())));
    }

    @Test
    void aSaveInterruptedBeforeTheCertificateKeepsTheOldIdentity() throws Exception {
        IdentityStore store = new IdentityStore(root);
        WorkerIdentity old = identity(7, Duration.ofDays(3));
        store.save(old);
        Pem.writePrivateKey(root.resolve(IdentityStore.PENDING_KEY_FILE), Keys.generateP256().getPrivate());

        assertEquals(old.leaf(), store.load(NOW).orElseThrow().leaf());
        assertFalse(Files.exists(root.resolve(IdentityStore.PENDING_KEY_FILE)));
    }

    @Test
    void unusableIdentitiesAreRefusedWithTheReason() throws Exception {
        IdentityStore store = new IdentityStore(root);
        WorkerIdentity id = identity(7, Duration.ofHours(1));
        store.save(id);
        IdentityException expired = assertThrows(IdentityException.class, () -> store.load(NOW.plus(Duration.ofHours(2))));
        assertTrue(expired.getMessage().contains("expired at"), expired.getMessage());

        Pem.writePrivateKey(store.keyFile(), Keys.generateP256().getPrivate());
        IdentityException mismatch = assertThrows(IdentityException.class, () -> store.load(NOW));
        assertTrue(mismatch.getMessage().contains("does not belong to certificate"), mismatch.getMessage());

        Files.delete(store.keyFile());
        IdentityException incomplete = assertThrows(IdentityException.class, () -> store.load(NOW));
        assertTrue(incomplete.getMessage().contains("is incomplete") && incomplete.getMessage().contains("has only cert.pem, ca.pem"),
                incomplete.getMessage());
    }

    @Test
    void aKeyFileReadableByOthersIsTightened() throws Exception {
        IdentityStore store = new IdentityStore(root);
        store.save(identity(7, Duration.ofDays(3)));
        Files.setPosixFilePermissions(store.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
        store.load(NOW).orElseThrow();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.keyFile())));
    }

    @Test
    void aCertificateFromAnotherClustersCaIsRefused() throws Exception {
        CertificateAuthority otherCluster = CertificateAuthorities.createClusterCa(CLUSTER, NOW.minus(Duration.ofDays(1)));
        WorkerIdentity id = identity(7, Duration.ofDays(3));
        IdentityException e = assertThrows(IdentityException.class, () -> WorkerIdentity.verify(id.privateKey(),
                id.certificateChain(), List.of(otherCluster.certificate(), WORKER_CA.certificate()), CLUSTER, 7,
                otherCluster.certificate(), NOW));
        assertTrue(e.getMessage().contains("was not issued by a worker CA"), e.getMessage());
        IdentityException wrongNode = assertThrows(IdentityException.class, () -> WorkerIdentity.verify(id.privateKey(),
                id.certificateChain(), id.caBundle(), CLUSTER, 8, null, NOW));
        assertTrue(wrongNode.getMessage().contains("names node 7, expected node 8"), wrongNode.getMessage());
    }
}
