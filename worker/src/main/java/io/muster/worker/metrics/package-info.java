/**
 * The worker's own metrics, off unless configured ({@code metrics: {addr: ...}} or {@code --metrics-addr}): the loops
 * report to {@link io.muster.worker.metrics.WorkerMetrics} ({@link io.muster.worker.metrics.WorkerMetrics#NONE} when
 * off), {@link io.muster.worker.metrics.AgentMetrics} keeps them in a Prometheus registry and
 * {@link io.muster.worker.metrics.MetricsEndpoint} serves them at {@code GET /metrics}. Names start with
 * {@code muster_agent_} so they never collide with the servers' {@code muster_worker_*} series in one Prometheus.
 */
package io.muster.worker.metrics;
