/**
 * Who this node is: the join token, registration (a locally generated key and CSR, trusting the server only
 * through the token's CA pin), the identity files ({@code cert.pem}, {@code key.pem} 0600, {@code ca.pem}, replaced
 * crash-safely, and a revocation marker) and certificate renewal at 70-90% of the leaf's life, timed on the
 * injected {@link java.time.Clock} and paused on a {@link io.muster.worker.util.Waker}.
 *
 * <p>May import {@code rpc}, {@code util}, the root package's {@code WorkerException}, {@code io.muster.pki}, {@code io.muster.types} and the wire types; not
 * {@code alloc}, {@code loop} or {@code driver}, and never {@code io.muster.server..}.
 */
package io.muster.worker.identity;
