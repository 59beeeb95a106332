/**
 * Small building blocks shared by the worker's loops and runners: the injected {@link io.muster.worker.util.Ticker}
 * (monotonic time and timed waits, {@code Ticker.SYSTEM} in production) and the {@link io.muster.worker.util.Waker}
 * every loop pauses on instead of {@code Thread.sleep}.
 *
 * <p>May import only the JDK.
 */
package io.muster.worker.util;
