package io.muster.pki.pem;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM encoding of certificates, certificate chains (leaf first) and unencrypted PKCS#8 private keys, in memory and in
 * files. Files are replaced atomically; key files are mode 0600 from the moment they exist. Read errors name the
 * file. Messages about keys never include key material.
 */
public final class Pem {
    /** Larger than any plausible chain or key file; protects against pointing a reader at the wrong, huge file. */
    public static final int MAX_FILE_BYTES = 1024 * 1024;

    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";

    private Pem() {}

    public static String encodeCertificate(X509Certificate certificate) {
        return encodeCertificates(List.of(certificate));
    }

    public static String encodeCertificates(List<X509Certificate> certificates) {
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no certificates to encode");
        }
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            for (X509Certificate certificate : certificates) {
                writer.writeObject(new PemObject(CERTIFICATE, certificate.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be DER-encoded", e);
        } catch (IOException e) {
            throw new IllegalStateException("writing to a StringWriter failed", e);
        }
        return out.toString();
    }

    /** PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), unencrypted: protection comes from the file mode. */
    public static String encodePrivateKey(PrivateKey key) {
        byte[] der = key.getEncoded();
        if (der == null || !"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key (" + key.getAlgorithm() + ") has no PKCS#8 encoding");
        }
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject(PRIVATE_KEY, der));
        } catch (IOException e) {
            throw new IllegalStateException("writing to a StringWriter failed", e);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
        return out.toString();
    }

    /** All certificates in the text, in order. Text around the blocks is ignored; any non-certificate block is an error. */
    public static List<X509Certificate> decodeCertificates(String pem) throws PemException {
        List<PemObject> blocks = blocks(pem);
        if (blocks.isEmpty()) {
            throw new PemException("no PEM CERTIFICATE block found");
        }
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("X.509 is unavailable in this JVM", e);
        }
        List<X509Certificate> certificates = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            PemObject block = blocks.get(i);
            if (!CERTIFICATE.equals(block.getType())) {
                // Refuse rather than skip: a key pasted into a certificate file is a mistake worth hearing about.
                throw new PemException("PEM block " + (i + 1) + " is a '" + block.getType() + "', expected only CERTIFICATE blocks");
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.getContent())));
            } catch (CertificateException | RuntimeException e) {
                throw new PemException("PEM block " + (i + 1) + " is not a valid X.509 certificate");
            }
        }
        return List.copyOf(certificates);
    }

    /** The single PKCS#8 private key in the text. */
    public static PrivateKey decodePrivateKey(String pem) throws PemException {
        List<PemObject> blocks = blocks(pem);
        try {
            if (blocks.size() != 1) {
                throw new PemException("expected exactly one PEM PRIVATE KEY block, found " + blocks.size() + " PEM blocks");
            }
            String type = blocks.get(0).getType();
            switch (type) {
                case PRIVATE_KEY -> {
                    /* below */
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new PemException("encrypted private keys are not supported; store the key unencrypted with mode 0600");
                case "EC PRIVATE KEY", "RSA PRIVATE KEY" -> throw new PemException("'" + type
                        + "' is a traditional OpenSSL key; convert it with: openssl pkcs8 -topk8 -nocrypt");
                default -> throw new PemException("PEM block is a '" + type + "', expected PRIVATE KEY");
            }
            try {
                return new JcaPEMKeyConverter().getPrivateKey(PrivateKeyInfo.getInstance(blocks.get(0).getContent()));
            } catch (IOException | RuntimeException e) {
                // No cause attached: parser messages could quote parts of the key.
                throw new PemException("PRIVATE KEY block is not a valid PKCS#8 EC or RSA private key");
            }
        } finally {
            blocks.forEach(block -> Arrays.fill(block.getContent(), (byte) 0));
        }
    }

    public static void writeCertificate(Path file, X509Certificate certificate) throws IOException {
        writeCertificates(file, List.of(certificate));
    }

    /** Atomically replaces {@code file} with the chain (leaf first), mode 0644. */
    public static void writeCertificates(Path file, List<X509Certificate> certificates) throws IOException {
        AtomicFiles.write(file, encodeCertificates(certificates).getBytes(StandardCharsets.US_ASCII));
    }

    /** Atomically replaces {@code file} with the PKCS#8 key; the file is created with mode 0600. */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        byte[] bytes = encodePrivateKey(key).getBytes(StandardCharsets.US_ASCII);
        try {
            AtomicFiles.writeSecret(file, bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        String text = read(file, "certificates");
        try {
            return decodeCertificates(text);
        } catch (PemException e) {
            throw new PemException("cannot read certificates from " + file + ": " + e.getMessage());
        }
    }

    /** The one certificate in {@code file}; more than one is an error (use {@link #readCertificates} for chains). */
    public static X509Certificate readCertificate(Path file) throws IOException {
        List<X509Certificate> certificates = readCertificates(file);
        if (certificates.size() != 1) {
            throw new PemException("cannot read certificate from " + file + ": expected exactly one certificate, found "
                    + certificates.size());
        }
        return certificates.get(0);
    }

    public static PrivateKey readPrivateKey(Path file) throws IOException {
        String text = read(file, "private key");
        try {
            return decodePrivateKey(text);
        } catch (PemException e) {
            throw new PemException("cannot read private key from " + file + ": " + e.getMessage());
        }
    }

    private static String read(Path file, String what) throws IOException {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new PemException("cannot read " + what + " from " + file + ": file is " + size
                        + " bytes, more than the " + MAX_FILE_BYTES + " a PEM file may have");
            }
            return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "cannot read " + what + ": file does not exist");
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(file.toString(), null, "cannot read " + what + ": permission denied");
        } catch (PemException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("cannot read " + what + " from " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<PemObject> blocks(String pem) throws PemException {
        if (pem == null || pem.isBlank()) {
            throw new PemException("no PEM data (empty input)");
        }
        List<PemObject> blocks = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            for (PemObject block = reader.readPemObject(); block != null; block = reader.readPemObject()) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            blocks.forEach(block -> Arrays.fill(block.getContent(), (byte) 0));
            throw new PemException("malformed PEM (" + (e instanceof IOException ? e.getMessage() : "invalid base64 content") + ")");
        }
        return blocks;
    }
}
