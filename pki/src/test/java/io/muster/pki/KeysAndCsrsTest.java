package io.muster.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.CertificationRequestInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class KeysAndCsrsTest {
    private static final KeyPair P256 = Keys.generateP256();

    @Test
    void generatesP256Keys() {
        ECPublicKey key = (ECPublicKey) P256.getPublic();
        assertEquals(256, key.getParams().getOrder().bitLength());
        assertEquals("EC", P256.getPrivate().getAlgorithm());
        assertTrue(KeyPolicy.check(key).isEmpty());
    }

    @Test
    void csrRoundTripReturnsTheRequestersPublicKey() throws Exception {
        byte[] der = Csrs.create(P256, "node-request");
        PublicKey parsed = Csrs.parseAndVerify(der);
        assertArrayEquals(P256.getPublic().getEncoded(), parsed.getEncoded());
        assertEquals(new X500Name("CN=node-request"), new PKCS10CertificationRequest(der).getSubject());
    }

    @Test
    void acceptsP384AndRsa2048() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair p384 = ec.generateKeyPair();
        assertArrayEquals(p384.getPublic().getEncoded(), Csrs.parseAndVerify(Csrs.create(p384, "x")).getEncoded());

        KeyPair rsa = rsa(2048);
        assertArrayEquals(rsa.getPublic().getEncoded(), Csrs.parseAndVerify(Csrs.create(rsa, "x")).getEncoded());
    }

    @Test
    void refusesWeakRsa1024() throws Exception {
        CsrException e = assertThrows(CsrException.class, () -> Csrs.parseAndVerify(Csrs.create(rsa(1024), "x")));
        assertEquals(CsrException.Reason.WEAK_KEY, e.reason());
        assertTrue(e.getMessage().contains("weak key: RSA key of 1024 bits"), e.getMessage());
        assertTrue(e.getMessage().contains("2048"), e.getMessage());
    }

    @Test
    void refusesUnsupportedCurveSecp256k1() throws Exception {
        var bc = new BouncyCastleProvider();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", bc);
        generator.initialize(new ECGenParameterSpec("secp256k1"));
        KeyPair k1 = generator.generateKeyPair();
        byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), k1.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(bc).build(k1.getPrivate()))
                .getEncoded();

        CsrException e = assertThrows(CsrException.class, () -> Csrs.parseAndVerify(der));
        assertEquals(CsrException.Reason.UNSUPPORTED_KEY, e.reason());
        assertTrue(e.getMessage().contains("unsupported key: EC curve secp256k1 is not supported"), e.getMessage());
    }

    @Test
    void refusesDsaKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("DSA");
        generator.initialize(2048);
        KeyPair dsa = generator.generateKeyPair();
        byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), dsa.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withDSA").build(dsa.getPrivate()))
                .getEncoded();

        CsrException e = assertThrows(CsrException.class, () -> Csrs.parseAndVerify(der));
        assertEquals(CsrException.Reason.UNSUPPORTED_KEY, e.reason());
        assertTrue(e.getMessage().contains("DSA keys are not supported"), e.getMessage());
    }

    @Test
    void refusesCsrWhosePublicKeyWasSwapped() throws Exception {
        CertificationRequest signed = new PKCS10CertificationRequest(Csrs.create(P256, "node-request")).toASN1Structure();
        CertificationRequestInfo info = signed.getCertificationRequestInfo();
        KeyPair other = Keys.generateP256();
        var swapped = new CertificationRequestInfo(info.getSubject(),
                SubjectPublicKeyInfo.getInstance(other.getPublic().getEncoded()), info.getAttributes());
        byte[] forged = new CertificationRequest(swapped, signed.getSignatureAlgorithm(), signed.getSignature()).getEncoded();

        CsrException e = assertThrows(CsrException.class, () -> Csrs.parseAndVerify(forged));
        assertEquals(CsrException.Reason.BAD_SIGNATURE, e.reason());
        assertTrue(e.getMessage().contains("signature does not verify"), e.getMessage());
    }

    @Test
    void refusesCsrWithAFlippedByte() throws Exception {
        byte[] der = Csrs.create(P256, "node-request");
        byte[] subjectTampered = der.clone();
        int cn = indexOf(der, "node-request".getBytes(StandardCharsets.US_ASCII));
        subjectTampered[cn] ^= 0x01;
        assertEquals(CsrException.Reason.BAD_SIGNATURE,
                assertThrows(CsrException.class, () -> Csrs.parseAndVerify(subjectTampered)).reason());

        byte[] signatureTampered = der.clone();
        signatureTampered[der.length - 1] ^= 0x01;
        assertEquals(CsrException.Reason.BAD_SIGNATURE,
                assertThrows(CsrException.class, () -> Csrs.parseAndVerify(signatureTampered)).reason());
    }

    @Test
    void refusesGarbageEmptyAndTruncatedInput() {
        for (byte[] input : new byte[][] {
                new byte[0], null, "definitely not a CSR".getBytes(StandardCharsets.US_ASCII),
                Arrays.copyOf(Csrs.create(P256, "x"), 100)}) {
            CsrException e = assertThrows(CsrException.class, () -> Csrs.parseAndVerify(input));
            assertEquals(CsrException.Reason.MALFORMED, e.reason());
            assertTrue(e.getMessage().startsWith("malformed CSR: "), e.getMessage());
        }
    }

    @Test
    void refusesOversizedCsrBeforeParsingIt() throws Exception {
        CsrException raw = assertThrows(CsrException.class, () -> Csrs.parseAndVerify(new byte[Csrs.MAX_CSR_BYTES + 1]));
        assertEquals(CsrException.Reason.TOO_LARGE, raw.reason());
        assertEquals("CSR too large: 16385 bytes exceeds the limit of 16384 bytes", raw.getMessage());

        // A well-formed, correctly signed request that is simply too big.
        byte[] padded = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), P256.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_challengePassword, new DEROctetString(new byte[20_000]))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(P256.getPrivate()))
                .getEncoded();
        assertEquals(CsrException.Reason.TOO_LARGE,
                assertThrows(CsrException.class, () -> Csrs.parseAndVerify(padded)).reason());
    }

    @Test
    void refusesSha1Signatures() throws Exception {
        byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), P256.getPublic())
                .build(new JcaContentSignerBuilder("SHA1withECDSA").build(P256.getPrivate()))
                .getEncoded();
        CsrException e = assertThrows(CsrException.class, () -> Csrs.parseAndVerify(der));
        assertEquals(CsrException.Reason.UNSUPPORTED_SIGNATURE_ALGORITHM, e.reason());
    }

    @Test
    void keyPolicyRejectsHugeRsaModuliWithoutLoadingThem() throws Exception {
        var huge = new org.bouncycastle.asn1.pkcs.RSAPublicKey(BigInteger.ONE.shiftLeft(8200).add(BigInteger.ONE), BigInteger.valueOf(65537));
        var info = new SubjectPublicKeyInfo(
                new org.bouncycastle.asn1.x509.AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, org.bouncycastle.asn1.DERNull.INSTANCE), huge);
        var rejection = KeyPolicy.check(info).orElseThrow();
        assertEquals(KeyPolicy.Problem.UNSUPPORTED, rejection.problem());
        assertTrue(rejection.message().contains("exceeds the maximum of 8192"), rejection.message());
    }

    private static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return generator.generateKeyPair();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
