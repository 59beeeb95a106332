/**
 * Secrets: values sealed by the proposing server under a keyring key derived from the cluster secret, replicated
 * only as ciphertext, opened only to answer {@code secret get} (management) and a worker's {@code FetchSecrets} for
 * an allocation of its own node that names them. See docs/SECURITY.md, "Secrets".
 */
package io.muster.server.secrets;
