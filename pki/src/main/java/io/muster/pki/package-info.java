/**
 * Muster's PKI as a pure library (no networking, no Raft).
 *
 * <p>Trust model: a self-signed <em>cluster CA</em> signs server certificates and the <em>worker CA</em>; the worker
 * CA signs worker certificates. Every certificate's identity is its {@code muster://} URI SAN ({@link
 * io.muster.pki.Identity}), never a hostname or CN. Workers join with a join token
 * ({@link io.muster.pki.token.JoinTokens}) that carries the cluster CA's key pin, generate their own key
 * ({@link io.muster.pki.Keys}), send a CSR ({@link io.muster.pki.Csrs}) and receive a leaf
 * ({@link io.muster.pki.CertificateIssuer}). TLS peers are checked by the trust managers in
 * {@link io.muster.pki.tls}. Everything time-dependent takes an explicit {@code Instant} or {@code Clock}.
 */
package io.muster.pki;
