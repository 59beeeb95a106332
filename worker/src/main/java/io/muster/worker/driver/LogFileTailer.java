package io.muster.worker.driver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a file that an exec task writes directly (opened O_APPEND) into a {@link StreamBuffer},
 * and bounds it on disk by copy-truncate: past {@code maxFileBytes} its newest {@code maxFileBytes}
 * are copied to {@code file.1} and the file is truncated in place (the task's descriptor stays valid and, being O_APPEND,
 * continues at the new end). Bytes the task writes in the instant between the last read and the
 * truncation are lost, the usual copy-truncate trade-off; between polls the file may exceed the
 * bound by what the task writes in one poll interval.
 */
final class LogFileTailer {

    private static final Logger log = LoggerFactory.getLogger(LogFileTailer.class);

    private final Path file;
    private final StreamBuffer target;
    private final long maxFileBytes;
    private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    private long offset;

    /**
     * @param startOffset where new output begins (the file's size before the task started, so
     *     output of earlier runs in the same alloc dir is not shown as this run's)
     */
    LogFileTailer(Path file, StreamBuffer target, long maxFileBytes, long startOffset) {
        this.file = file;
        this.target = target;
        this.maxFileBytes = maxFileBytes;
        this.offset = startOffset;
    }

    /** A tailer that first replays up to {@code replayBytes} of the file's current end. */
    static LogFileTailer replaying(Path file, StreamBuffer target, long maxFileBytes, int replayBytes) {
        long size = sizeOf(file);
        return new LogFileTailer(file, target, maxFileBytes, Math.max(0, size - replayBytes));
    }

    static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Reads what is new; rotates when the file is over the bound. Called from one thread at a time. */
    synchronized void poll() {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            drain(ch);
            if (ch.size() > maxFileBytes) {
                copyTail(ch, RotatingLogFile.rotatedPath(file));
                drain(ch);
                try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    w.truncate(0);
                }
                offset = 0;
            }
        } catch (NoSuchFileException e) {
            offset = 0;
        } catch (IOException e) {
            log.warn("cannot read task log {}: {}", file, e.toString());
        }
    }

    /** Keeps the newest {@code maxFileBytes} in {@code file.1}, so the copy is bounded too. */
    private void copyTail(FileChannel ch, Path rotated) throws IOException {
        Path tmp = rotated.resolveSibling(rotated.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = ch.size();
            long from = Math.max(0, size - maxFileBytes);
            long copied = 0;
            while (from + copied < size) {
                long n = ch.transferTo(from + copied, size - from - copied, out);
                if (n <= 0) {
                    break;
                }
                copied += n;
            }
        }
        Files.move(tmp, rotated, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void drain(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < offset) {
            offset = 0; // truncated behind our back
        }
        while (offset < size) {
            chunk.clear();
            int n = ch.read(chunk, offset);
            if (n <= 0) {
                break;
            }
            target.append(chunk.array(), 0, n);
            offset += n;
        }
    }
}
