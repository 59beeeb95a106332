package io.muster.worker.alloc;

import io.muster.worker.driver.OutputBuffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The line that separates a task's attempts in its log files: every attempt appends to the same
 * {@code stdout.log}/{@code stderr.log}, so earlier attempts stay readable after a restart, each after its marker.
 */
public final class AttemptMarker {
    private static final Logger log = LoggerFactory.getLogger(AttemptMarker.class);

    private AttemptMarker() {}

    /** {@code --- attempt N (restart after exit code X) ---} and a newline. */
    public static String line(int attempt, int exitCode) {
        return "--- attempt " + attempt + " (restart after exit code " + exitCode + ") ---\n";
    }

    /** Appends the marker to both log files of the task directory, starting a fresh line if the last one was cut. */
    static void append(Path taskDir, int attempt, int exitCode) {
        for (String name : new String[] {OutputBuffer.STDOUT_FILE, OutputBuffer.STDERR_FILE}) {
            Path file = taskDir.resolve(name);
            try {
                String text = (endsMidLine(file) ? "\n" : "") + line(attempt, exitCode);
                Files.write(file, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                log.warn("cannot mark attempt {} in {}: {}", attempt, file, e.toString());
            }
        }
    }

    private static boolean endsMidLine(Path file) throws IOException {
        if (!Files.exists(file) || Files.size(file) == 0) return false;
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, ch.size() - 1);
            return b.get(0) != '\n';
        }
    }
}
