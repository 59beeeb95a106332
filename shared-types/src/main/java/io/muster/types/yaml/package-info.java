/**
 * Reading YAML and JSON with line numbers: {@link io.muster.types.yaml.SourceTree}, a document tree whose every key
 * and value remembers its line and column, and {@link io.muster.types.yaml.Suggestions}, the one "did you mean"
 * suggester. Both the config reader ({@code io.muster.types.config}) and the job spec reader
 * ({@code io.muster.types.job}) use them, so their errors name field, line and the close key the same way.
 *
 * <p>May import: Jackson core and its YAML parser only. Nothing else of Muster, and no runtime (Vert.x, gRPC, Ratis).
 */
package io.muster.types.yaml;
