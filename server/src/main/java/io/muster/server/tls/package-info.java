/**
 * This server's TLS identity and the cluster's bootstrap: the cluster secret, creating a cluster's CA material
 * ({@link io.muster.server.tls.ClusterInit}), fetching and renewing this server's certificate through a CSR
 * ({@link io.muster.server.tls.ServerCredentials}, {@link io.muster.server.tls.ServerJoin}), and opening the sealed CA
 * keys of the replicated state ({@link io.muster.server.tls.CaMaterial}). Knows nothing of the REST or gRPC layers.
 */
package io.muster.server.tls;
