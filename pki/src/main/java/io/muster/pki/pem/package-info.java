/**
 * PEM encoding of certificates, chains and PKCS#8 keys in memory and in files ({@link io.muster.pki.pem.Pem}), and
 * crash-safe file replacement ({@link io.muster.pki.pem.AtomicFiles}): key files are 0600 from the moment they exist.
 *
 * <p>May import: the JDK and Bouncy Castle. No networking, no runtime (Vert.x, gRPC, Ratis), no other Muster module.
 */
package io.muster.pki.pem;
