package io.muster.server.metrics;

/** What the REST API counts: one call per answered request. */
public interface ApiMetrics {
    ApiMetrics NONE = (method, route, status, nanos) -> {};

    /**
     * @param route the route's template (e.g. {@code /v1/nodes/:id}), never the raw path, so the series stay bounded
     */
    void request(String method, String route, int status, long nanos);
}
