/**
 * The trust and key managers every TLS stack of Muster uses: servers checking servers and workers, workers checking
 * servers (pinned to the cluster CA in the join token, then verified against it), revocation checks, and a key
 * manager whose identity can be renewed while listeners stay up. Each refusal names a precise reason
 * ({@link io.muster.pki.tls.Checks}).
 *
 * <p>May import: the JDK ({@code javax.net.ssl}, {@code java.security}), Bouncy Castle and {@code io.muster.pki}.
 * Not the runtimes that plug these in (netty, gRPC, Vert.x, Ratis).
 */
package io.muster.pki.tls;
