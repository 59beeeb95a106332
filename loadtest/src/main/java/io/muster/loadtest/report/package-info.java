/**
 * The load test's report: the figures of a run ({@link io.muster.loadtest.report.Report}), written as
 * {@code loadtest-report.json} under stable snake_case names and rendered as one self-contained HTML page with SVG
 * charts, plus the console summary.
 *
 * <p>May import: the JDK, Jackson, HdrHistogram and the load test's own packages. No server, worker, gRPC or REST client: it
 * formats numbers, it measures nothing.
 */
package io.muster.loadtest.report;
