package io.muster.worker.driver;

import java.nio.file.Path;

/**
 * A task's recent output: stdout and stderr, each in its own bounded {@link StreamBuffer} that
 * keeps the last {@code capacity} bytes and counts what it dropped.
 *
 * <p>Durable copies on disk ({@code <allocDir>/stdout.log}, {@code stderr.log}, each rotated to
 * {@code *.log.1} past a size limit, so at most two files of that size per stream) are how logs
 * outlive the worker: the docker driver mirrors what it receives through {@link #mirroredTo}; the
 * exec task writes them itself and the driver tails them into a plain buffer.
 */
public final class OutputBuffer implements AutoCloseable {

    public static final int DEFAULT_CAPACITY = 1 << 20;
    public static final long DEFAULT_MAX_LOG_FILE_BYTES = 8L << 20;
    public static final String STDOUT_FILE = "stdout.log";
    public static final String STDERR_FILE = "stderr.log";

    private final StreamBuffer stdout;
    private final StreamBuffer stderr;

    /** Memory only, {@link #DEFAULT_CAPACITY} per stream. */
    public OutputBuffer() {
        this(DEFAULT_CAPACITY);
    }

    /** Memory only. */
    public OutputBuffer(int capacityPerStream) {
        this(new StreamBuffer(capacityPerStream, null), new StreamBuffer(capacityPerStream, null));
    }

    private OutputBuffer(StreamBuffer stdout, StreamBuffer stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * A buffer whose appends are also written to {@code dir/stdout.log} and {@code dir/stderr.log}.
     *
     * @param truncate start the files empty (when the whole output is about to be replayed, as
     *     when re-attaching to a container) instead of appending to them
     */
    public static OutputBuffer mirroredTo(Path dir, int capacityPerStream, long maxFileBytes, boolean truncate) {
        return new OutputBuffer(
                new StreamBuffer(capacityPerStream, new RotatingLogFile(dir.resolve(STDOUT_FILE), maxFileBytes, truncate)),
                new StreamBuffer(capacityPerStream, new RotatingLogFile(dir.resolve(STDERR_FILE), maxFileBytes, truncate)));
    }

    public StreamBuffer stdout() {
        return stdout;
    }

    public StreamBuffer stderr() {
        return stderr;
    }

    /** Flushes and closes the file mirrors; the in-memory contents stay readable. */
    @Override
    public void close() {
        stdout.close();
        stderr.close();
    }
}
