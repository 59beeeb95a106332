/**
 * The cluster secret servers share ({@link io.muster.pki.secret.ClusterSecret}) and the sealing of replicated key
 * material under it ({@link io.muster.pki.secret.Sealer}). Pure crypto: no I/O beyond reading a secret file.
 */
package io.muster.pki.secret;
