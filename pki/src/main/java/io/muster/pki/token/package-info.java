/**
 * Worker join tokens: {@link io.muster.pki.token.JoinTokens} encodes and checks the one-line
 * {@code mst1.<payload>.<mac>} token whose claims ({@link io.muster.pki.token.TokenClaims}: cluster, expiry, CA pin,
 * allowed labels) are readable by anyone and unforgeable without the cluster's token key.
 *
 * <p>May import: the JDK and {@code io.muster.pki}. No I/O, no runtime (Vert.x, gRPC, Ratis).
 */
package io.muster.pki.token;
