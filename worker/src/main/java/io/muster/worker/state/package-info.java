/**
 * The worker's saved state, {@code <data_dir>/worker/state.json}: last applied revision, drain, and one record per
 * allocation with its task handle ids and last status (the format is part of the contract: fields are added, never
 * renamed). {@link io.muster.worker.state.StateStore} reads and replaces the file crash-safely, setting a corrupt
 * one aside.
 *
 * <p>Plain data and file I/O: may import only Jackson, {@code io.muster.pki.pem.AtomicFiles} and the JDK; nothing else of the worker, and never
 * {@code io.muster.server..}.
 */
package io.muster.worker.state;
