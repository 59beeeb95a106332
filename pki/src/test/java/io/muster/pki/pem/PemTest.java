package io.muster.pki.pem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
    private static final TestPki PKI = new TestPki();

    @TempDir
    Path dir;

    @Test
    void certificateChainRoundTripsInMemory() throws Exception {
        List<X509Certificate> chain = List.of(PKI.workerChain());
        String pem = Pem.encodeCertificates(chain);
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"), pem);
        assertEquals(2, pem.split("-----BEGIN CERTIFICATE-----").length - 1);
        assertEquals(chain, Pem.decodeCertificates(pem));
        // Explanatory text around blocks (as openssl writes it) is fine.
        assertEquals(chain, Pem.decodeCertificates("subject=CN=node-42\n" + pem + "\ntrailing note\n"));
    }

    @Test
    void certificateFilesAreWorldReadableAndRoundTrip() throws Exception {
        Path file = dir.resolve("chain.pem");
        Pem.writeCertificates(file, List.of(PKI.serverChain()));
        assertEquals(List.of(PKI.serverChain()), Pem.readCertificates(file));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        Path ca = dir.resolve("ca.pem");
        Pem.writeCertificate(ca, PKI.clusterCa.certificate());
        assertEquals(PKI.clusterCa.certificate(), Pem.readCertificate(ca));

        var e = assertThrows(PemException.class, () -> Pem.readCertificate(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("expected exactly one certificate, found 2"),
                e.getMessage());
    }

    @Test
    void privateKeysAreWrittenOwnerOnlyAndRoundTrip() throws Exception {
        Path file = dir.resolve("node.key");
        Pem.writePrivateKey(file, PKI.workerKey.getPrivate());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String text = Files.readString(file);
        assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----\n"), "PKCS#8 header expected");
        PrivateKey read = Pem.readPrivateKey(file);
        assertEquals("EC", read.getAlgorithm());
        assertArrayEquals(PKI.workerKey.getPrivate().getEncoded(), read.getEncoded());

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        PrivateKey rsaKey = rsa.generateKeyPair().getPrivate();
        assertArrayEquals(rsaKey.getEncoded(), Pem.decodePrivateKey(Pem.encodePrivateKey(rsaKey)).getEncoded());
    }

    @Test
    void replacingAWorldReadableFileWithAKeyLeavesItOwnerOnly() throws Exception {
        Path file = dir.resolve("server.key");
        Files.writeString(file, "old content");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Pem.writePrivateKey(file, PKI.serverKey.getPrivate());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertArrayEquals(PKI.serverKey.getPrivate().getEncoded(), Pem.readPrivateKey(file).getEncoded());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files may be left behind");
        }
    }

    @Test
    void readErrorsNameTheFile() throws Exception {
        Path missing = dir.resolve("missing.pem");
        var notFound = assertThrows(NoSuchFileException.class, () -> Pem.readCertificates(missing));
        assertTrue(notFound.getMessage().contains(missing.toString()) && notFound.getMessage().contains("does not exist"),
                notFound.getMessage());

        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello, not PEM at all\n");
        assertMessage(() -> Pem.readCertificates(garbage), garbage, "no PEM CERTIFICATE block found");
        assertMessage(() -> Pem.readPrivateKey(garbage), garbage, "expected exactly one PEM PRIVATE KEY block, found 0");

        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertMessage(() -> Pem.readCertificates(empty), empty, "empty input");

        Path key = dir.resolve("a.key");
        Pem.writePrivateKey(key, PKI.workerKey.getPrivate());
        assertMessage(() -> Pem.readCertificates(key), key, "is a 'PRIVATE KEY', expected only CERTIFICATE blocks");

        Path cert = dir.resolve("a.pem");
        Pem.writeCertificate(cert, PKI.workerLeaf);
        assertMessage(() -> Pem.readPrivateKey(cert), cert, "is a 'CERTIFICATE', expected PRIVATE KEY");

        Path traditional = Files.writeString(dir.resolve("ec.key"),
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertMessage(() -> Pem.readPrivateKey(traditional), traditional, "openssl pkcs8 -topk8 -nocrypt");

        Path unterminated = Files.writeString(dir.resolve("cut.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n");
        assertMessage(() -> Pem.readCertificates(unterminated), unterminated, "malformed PEM");
    }

    @Test
    void brokenKeyMessagesDoNotQuoteTheKey() {
        String body = Base64.getEncoder().encodeToString("secret-ish bytes that are not DER".getBytes(StandardCharsets.US_ASCII));
        var e = assertThrows(PemException.class, () -> Pem.decodePrivateKey(
                "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n"));
        assertEquals("PRIVATE KEY block is not a valid PKCS#8 EC or RSA private key", e.getMessage());
        assertFalse(e.getMessage().contains(body.substring(0, 10)));
        assertEquals(null, e.getCause());
    }

    @Test
    void corruptCertificateBlockIsReported() {
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getEncoder().encodeToString(new byte[] {48, 3, 1, 1, 0})
                + "\n-----END CERTIFICATE-----\n";
        var e = assertThrows(PemException.class, () -> Pem.decodeCertificates(pem));
        assertEquals("PEM block 1 is not a valid X.509 certificate", e.getMessage());
    }

    @Test
    void writingIntoAMissingDirectoryFails() {
        Path file = dir.resolve("no/such/dir/ca.pem");
        var e = assertThrows(IOException.class, () -> Pem.writeCertificate(file, PKI.workerLeaf));
        assertTrue(e.getMessage().contains("directory does not exist"), e.getMessage());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, Path file, String fragment) {
        var e = assertThrows(IOException.class, call);
        assertTrue(e.getMessage().contains(file.toString()), "message should name " + file + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "message should contain '" + fragment + "': " + e.getMessage());
    }
}
