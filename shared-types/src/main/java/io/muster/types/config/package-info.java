/**
 * Server and worker configuration: {@link io.muster.types.config.ConfigLoader} reads a YAML file (or a bare ZLayer
 * {@code cluster_mode.yaml}) into {@link io.muster.types.config.ServerConfig} or
 * {@link io.muster.types.config.WorkerConfig}, collecting every problem with its field path, line and column
 * and a "did you mean" for unknown keys ({@link io.muster.types.config.ConfigException}).
 *
 * <p>May import: {@code io.muster.types.yaml} (the located tree and the suggester), {@code io.muster.types}, the JDK.
 * No runtime (Vert.x, gRPC, Ratis) and no other Muster module.
 */
package io.muster.types.config;
