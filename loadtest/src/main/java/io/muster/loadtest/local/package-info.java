/**
 * {@code --local}: a cluster of real server processes on loopback started by the load test
 * ({@link io.muster.loadtest.local.LocalCluster}, each process running {@link io.muster.loadtest.local.LocalServerMain}),
 * and machine and process statistics read from {@code /proc}.
 *
 * <p>The one package of the load test allowed to import {@code io.muster.server}: it bootstraps and launches servers.
 * It talks to them like the rest of the load test, through {@link io.muster.client.MusterClient}. May not import
 * {@code io.muster.worker}.
 */
package io.muster.loadtest.local;
