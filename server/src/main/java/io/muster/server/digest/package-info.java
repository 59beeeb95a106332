/**
 * Divergence detection on every server: digests of the state at agreed indexes, hashed off the apply thread (this
 * package owns a thread and reads a clock, which the state package may not).
 */
package io.muster.server.digest;
