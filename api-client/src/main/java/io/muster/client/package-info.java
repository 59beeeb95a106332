/**
 * The Muster REST API client: {@link io.muster.client.MusterClient} (JDK HttpClient, leader redirects, ACL token,
 * cluster-CA trust) and the response records it returns ({@link io.muster.client.Node},
 * {@link io.muster.client.JobStatus}, {@link io.muster.client.ClusterStatus}, {@link io.muster.client.IssuedToken},
 * ...). These records are the one model of the API's answers: the CLI, the load test and tests read them instead of
 * keeping the JSON's shape by hand. Each keeps the raw answer ({@code json()}) so {@code -o json} prints exactly what
 * the server sent.
 *
 * <p>May import: the JDK and Jackson only. No other Muster module (no server, worker, proto or pki classes) and no
 * runtime (Vert.x, gRPC, Ratis), so any module or tool can depend on it.
 */
package io.muster.client;
