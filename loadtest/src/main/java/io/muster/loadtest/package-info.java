/**
 * {@code muster loadtest}: simulated workers against a real cluster. {@link io.muster.loadtest.LoadTestCommand} reads
 * the options, {@link io.muster.loadtest.LoadTestRun} sets up and runs the phases (join, steady, fanout, churn,
 * failover), {@link io.muster.loadtest.Sampler} samples the machine, and the report is built at the end.
 *
 * <p>Speaks to the cluster as outsiders do: the REST API through {@link io.muster.client.MusterClient} and the worker
 * gRPC protocol ({@code io.muster.proto}) with {@code io.muster.pki} identities. May not import
 * {@code io.muster.server} or {@code io.muster.worker} (only {@link io.muster.loadtest.local} starts servers), nor
 * {@code java.net.http}: every REST call goes through the one API client.
 */
package io.muster.loadtest;
