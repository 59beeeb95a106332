package io.muster.worker.driver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only log file that rotates by rename: once a write would take {@code file} past
 * {@code maxBytes}, it becomes {@code file.1} (replacing the previous one) and a new empty file is
 * started, so the newest output is always on disk and a stream uses at most 2 x maxBytes.
 * Disk errors disable the mirror with one warning: losing the file copy must not break capture.
 */
final class RotatingLogFile {

    private static final Logger log = LoggerFactory.getLogger(RotatingLogFile.class);

    private final Path file;
    private final long maxBytes;
    private FileChannel channel;
    private long size;
    private boolean failed;

    RotatingLogFile(Path file, long maxBytes, boolean truncate) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        }
        this.file = file;
        this.maxBytes = maxBytes;
        try {
            if (truncate) {
                Files.deleteIfExists(rotatedPath(file));
            }
            channel = open(truncate);
            size = channel.size();
        } catch (IOException e) {
            fail(e);
        }
    }

    static Path rotatedPath(Path file) {
        return file.resolveSibling(file.getFileName() + ".1");
    }

    private FileChannel open(boolean truncate) throws IOException {
        return truncate
                ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /**
     * Writes, keeping the caller's interrupt status: a FileChannel closes itself when its writer is interrupted, and an
     * action being stopped is interrupted while it may still print. The interrupt is set aside for the write and
     * restored after; a channel closed by an interrupt that lands mid-write is reopened once.
     */
    void write(byte[] bytes, int off, int len) {
        if (failed) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            writeOnce(bytes, off, len);
        } catch (java.nio.channels.ClosedByInterruptException e) {
            interrupted |= Thread.interrupted();
            try {
                channel = open(false);
                size = channel.size();
                writeOnce(bytes, off, len);
            } catch (IOException again) {
                fail(again);
            }
        } catch (IOException e) {
            fail(e);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private void writeOnce(byte[] bytes, int off, int len) throws IOException {
        {
            if (len > maxBytes) {
                off += (int) (len - maxBytes);
                len = (int) maxBytes;
            }
            if (size > 0 && size + len > maxBytes) {
                channel.close();
                Files.move(file, rotatedPath(file), StandardCopyOption.REPLACE_EXISTING);
                channel = open(true);
                size = 0;
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes, off, len);
            while (buf.hasRemaining()) {
                size += channel.write(buf);
            }
        }
    }

    void close() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            log.debug("closing {}", file, e);
        }
    }

    private void fail(IOException e) {
        failed = true;
        log.warn("cannot write task log {}: {}; output is kept in memory only", file, e.toString());
        close();
    }
}
