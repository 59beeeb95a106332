/**
 * Types shared by servers, workers and tools: configuration ({@link io.muster.types.config}), job specs
 * ({@link io.muster.types.job}), the located YAML reader and suggester ({@link io.muster.types.yaml}), and here the
 * adaptive heartbeat policy ({@link io.muster.types.HeartbeatPolicy}).
 *
 * <p>May import: the JDK and Jackson. No other Muster module and no runtime (Vert.x, gRPC, Ratis, netty): every
 * module depends on these packages.
 */
package io.muster.types;
