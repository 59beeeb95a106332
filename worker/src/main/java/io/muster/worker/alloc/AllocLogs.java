package io.muster.worker.alloc;

import com.google.protobuf.ByteString;
import io.muster.proto.LogsReply;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.StreamBuffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds a {@link LogsReply} from an allocation's output: the tasks' in-memory buffers while the worker has them,
 * else the tail of the log files in the task directories (an allocation that finished before a worker restart).
 * Each stream is bounded to {@code maxBytes}; the dropped counters say how much older output was left out. Tasks of
 * a multi-task group are shown one after the other under a {@code ==> task <name> <==} header.
 */
final class AllocLogs {
    static final int DEFAULT_MAX_BYTES = 64 * 1024;
    static final int MAX_MAX_BYTES = OutputBuffer.DEFAULT_CAPACITY;

    private AllocLogs() {}

    static int limit(int requested) {
        return requested <= 0 ? DEFAULT_MAX_BYTES : Math.min(requested, MAX_MAX_BYTES);
    }

    /** @param taskDirs task name to task directory, for the tasks without a live buffer */
    static LogsReply build(String allocId, Map<String, OutputBuffer> buffers, Map<String, Path> taskDirs, int maxBytes) {
        int limit = limit(maxBytes);
        boolean headers = taskDirs.size() > 1;
        int perTask = Math.max(1, limit / Math.max(1, taskDirs.size()));
        Stream out = new Stream();
        Stream err = new Stream();
        for (Map.Entry<String, Path> task : taskDirs.entrySet()) {
            OutputBuffer buffer = buffers.get(task.getKey());
            String header = headers ? "==> task " + task.getKey() + " <==\n" : "";
            // The files hold every attempt (each after its AttemptMarker); the buffer only the current one.
            boolean files = Files.exists(task.getValue().resolve(OutputBuffer.STDOUT_FILE))
                    || Files.exists(task.getValue().resolve(OutputBuffer.STDERR_FILE));
            if (buffer != null && !files) {
                out.add(header, buffer.stdout(), perTask);
                err.add(header, buffer.stderr(), perTask);
            } else {
                out.add(header, task.getValue(), OutputBuffer.STDOUT_FILE, perTask);
                err.add(header, task.getValue(), OutputBuffer.STDERR_FILE, perTask);
            }
        }
        return LogsReply.newBuilder()
                .setAllocId(allocId)
                .setFound(true)
                .setStdout(ByteString.copyFrom(out.bytes.toByteArray()))
                .setStderr(ByteString.copyFrom(err.bytes.toByteArray()))
                .setStdoutDropped(out.dropped)
                .setStderrDropped(err.dropped)
                .build();
    }

    private static final class Stream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long dropped;

        void add(String header, StreamBuffer buffer, int max) {
            bytes.writeBytes(header.getBytes(StandardCharsets.UTF_8));
            long total = buffer.totalBytes();
            byte[] tail = buffer.tail(max);
            bytes.writeBytes(tail);
            dropped += Math.max(0, total - tail.length);
        }

        void add(String header, Path dir, String fileName, int max) {
            bytes.writeBytes(header.getBytes(StandardCharsets.UTF_8));
            Path current = dir.resolve(fileName);
            Path rotated = dir.resolve(fileName + ".1");
            try {
                byte[] recent = tail(current, max);
                byte[] older = recent.length < max ? tail(rotated, max - recent.length) : new byte[0];
                byte[] both = new byte[older.length + recent.length];
                System.arraycopy(older, 0, both, 0, older.length);
                System.arraycopy(recent, 0, both, older.length, recent.length);
                long cut = Math.max(0, size(current) + size(rotated) - both.length);
                // Cut at the bound, the first (partial) line goes too: a line is shown whole or not at all.
                int skip = cut > 0 || Files.exists(rotated) ? wholeLineStart(both) : 0;
                bytes.write(both, skip, both.length - skip);
                dropped += cut + skip;
            } catch (IOException e) {
                bytes.writeBytes(("(cannot read " + current + ": " + e.getMessage() + ")\n").getBytes(StandardCharsets.UTF_8));
            }
        }

        /** Where the first whole line starts (after the first newline); 0 when there is none (one very long line). */
        static int wholeLineStart(byte[] data) {
            for (int i = 0; i < data.length; i++) {
                if (data[i] == '\n') return i + 1 < data.length ? i + 1 : 0;
            }
            return 0;
        }

        private static byte[] tail(Path file, int max) throws IOException {
            if (!Files.exists(file) || max <= 0) {
                return new byte[0];
            }
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                long length = f.length();
                int n = (int) Math.min(length, max);
                byte[] data = new byte[n];
                f.seek(length - n);
                f.readFully(data);
                return data;
            }
        }

        private static long size(Path file) {
            try {
                return Files.exists(file) ? Files.size(file) : 0;
            } catch (IOException e) {
                return 0;
            }
        }
    }
}
