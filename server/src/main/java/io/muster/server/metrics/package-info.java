/**
 * Metrics: every meter is registered in {@link io.muster.server.metrics.ServerMetrics}, built by the composition root
 * and handed to the layers as the narrow interfaces here ({@link io.muster.server.metrics.WorkerMetrics},
 * {@link io.muster.server.metrics.SchedulerMetrics}, {@link io.muster.server.metrics.RaftMetrics},
 * {@link io.muster.server.metrics.ApiMetrics}); {@code GET /v1/metrics} serves them in the Prometheus text format.
 */
package io.muster.server.metrics;
