package io.muster.worker.identity;

import io.muster.pki.pem.AtomicFiles;
import io.muster.pki.pem.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's identity on disk: {@code cert.pem} (leaf first), {@code key.pem} (mode 0600) and {@code ca.pem}
 * (cluster CA + worker CA) in a mode-0700 directory.
 *
 * <p>Each file is replaced atomically, but three files cannot be replaced together, so {@link #save} writes the new
 * key beside the old one as {@code key.pem.new} first, then {@code ca.pem}, then {@code cert.pem}, and renames the key
 * into place last. A crash at any point leaves either the old pair or a new certificate plus {@code key.pem.new},
 * which {@link #load} recognises and completes; a worker never ends up holding a certificate without its key.
 */
public final class IdentityStore {
    private static final Logger log = LoggerFactory.getLogger(IdentityStore.class);

    public static final String CERT_FILE = "cert.pem";
    public static final String KEY_FILE = "key.pem";
    public static final String CA_FILE = "ca.pem";
    static final String PENDING_KEY_FILE = "key.pem.new";
    /** Written when the cluster revokes this node; its presence keeps the identity from being used again. */
    public static final String REVOKED_FILE = "revoked";
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

    private final Path dir;

    public IdentityStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    public Path certFile() {
        return dir.resolve(CERT_FILE);
    }

    public Path keyFile() {
        return dir.resolve(KEY_FILE);
    }

    public Path caFile() {
        return dir.resolve(CA_FILE);
    }

    /**
     * Reads and verifies the identity.
     *
     * @return empty if the directory holds no identity at all (first start)
     * @throws IdentityException if there is one but it is incomplete, unreadable, inconsistent or not valid at
     *     {@code now}
     */
    public Optional<WorkerIdentity> load(Instant now) throws IdentityException {
        completeInterruptedSave();
        boolean hasCert = Files.exists(certFile());
        boolean hasKey = Files.exists(keyFile());
        if (!hasCert && !hasKey) {
            return Optional.empty();
        }
        if (!hasCert || !hasKey || !Files.exists(caFile())) {
            throw new IdentityException("identity directory " + dir + " is incomplete: it needs " + CERT_FILE + ", "
                    + KEY_FILE + " and " + CA_FILE + " but has only " + present());
        }
        tightenKeyMode();
        try {
            PrivateKey key = Pem.readPrivateKey(keyFile());
            List<X509Certificate> chain = Pem.readCertificates(certFile());
            List<X509Certificate> cas = Pem.readCertificates(caFile());
            return Optional.of(WorkerIdentity.verify(key, chain, cas, null, -1, null, now));
        } catch (IOException e) {
            throw new IdentityException("cannot read the identity in " + dir + ": " + e.getMessage(), e);
        } catch (IdentityException e) {
            throw new IdentityException("the identity in " + dir + " is unusable: " + e.getMessage(), e);
        }
    }

    /**
     * Remembers that the cluster revoked this identity. Servers then refuse its certificate in every new handshake,
     * which a restarted worker could not tell from a network problem, so the next start must know without asking.
     */
    public void markRevoked(String reason) throws IOException {
        ensureDir();
        AtomicFiles.write(dir.resolve(REVOKED_FILE), (reason + "\n").getBytes(StandardCharsets.UTF_8)); // in a 0700 directory
    }

    /** Why this identity was revoked, if {@link #markRevoked} recorded it. */
    public Optional<String> revocation() {
        Path file = dir.resolve(REVOKED_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            String reason = Files.readString(file, StandardCharsets.UTF_8).strip();
            return Optional.of(reason.isEmpty() ? "this node was revoked by the cluster" : reason);
        } catch (IOException e) {
            return Optional.of("this node was revoked by the cluster (" + file + " cannot be read: " + e.getMessage() + ")");
        }
    }

    /** Writes the identity crash-safely (see the class comment). */
    public void save(WorkerIdentity identity) throws IOException {
        ensureDir();
        Path pending = dir.resolve(PENDING_KEY_FILE);
        Pem.writePrivateKey(pending, identity.privateKey());
        Pem.writeCertificates(caFile(), identity.caBundle());
        Pem.writeCertificates(certFile(), identity.certificateChain());
        Files.move(pending, keyFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void ensureDir() throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            if (Files.getFileStore(parent).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
                Files.setPosixFilePermissions(dir, DIR_MODE); // the umask may have narrowed it; never widen beyond 0700
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            // Created concurrently: fine.
        }
    }

    /** Finishes (or rolls back) a {@link #save} that a crash interrupted. */
    private void completeInterruptedSave() throws IdentityException {
        Path pending = dir.resolve(PENDING_KEY_FILE);
        if (!Files.exists(pending)) {
            return;
        }
        try {
            PrivateKey newKey = Pem.readPrivateKey(pending);
            boolean certIsNew = Files.exists(certFile())
                    && WorkerIdentity.keyMatches(newKey, Pem.readCertificates(certFile()).get(0).getPublicKey());
            if (certIsNew) {
                Files.move(pending, keyFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                log.info("completed an identity update that was interrupted: {} now matches {}", KEY_FILE, CERT_FILE);
            } else {
                Files.delete(pending);
                log.info("discarded {} left by an interrupted identity update; the previous identity stays", PENDING_KEY_FILE);
            }
        } catch (IOException e) {
            throw new IdentityException("cannot recover the interrupted identity update in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void tightenKeyMode() {
        try {
            if (!Files.getFileStore(keyFile()).supportsFileAttributeView(PosixFileAttributeView.class)) {
                return;
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(keyFile());
            if (!mode.equals(AtomicFiles.OWNER_ONLY)) {
                log.warn("{} had mode {}; setting it to 0600", keyFile(), PosixFilePermissions.toString(mode));
                Files.setPosixFilePermissions(keyFile(), AtomicFiles.OWNER_ONLY);
            }
        } catch (IOException e) {
            log.warn("cannot check the mode of {}: {}", keyFile(), e.getMessage());
        }
    }

    private String present() {
        List<String> files = List.of(CERT_FILE, KEY_FILE, CA_FILE).stream()
                .filter(f -> Files.exists(dir.resolve(f))).toList();
        return files.isEmpty() ? "none of them" : String.join(", ", files);
    }
}
