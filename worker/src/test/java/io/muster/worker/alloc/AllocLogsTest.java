package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.proto.LogsReply;
import io.muster.worker.driver.OutputBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot of an allocation's logs: every attempt from the files, cut at the bound on a line boundary. */
class AllocLogsTest {
    @TempDir
    Path dir;

    @Test
    void everyAttemptIsReadFromTheFilesEvenWhileTheLastAttemptHasABuffer() throws Exception {
        Files.writeString(dir.resolve(OutputBuffer.STDOUT_FILE), "first\n" + AttemptMarker.line(2, 3) + "second\n");
        OutputBuffer current = new OutputBuffer(1024);
        current.stdout().append("second\n".getBytes());
        LogsReply r = AllocLogs.build("a", Map.of("t", current), Map.of("t", dir), 4096);
        assertEquals("first\n--- attempt 2 (restart after exit code 3) ---\nsecond\n", r.getStdout().toStringUtf8());
    }

    @Test
    void aCutAtTheBoundNeverSplitsALine() throws Exception {
        Files.writeString(dir.resolve(OutputBuffer.STDOUT_FILE), "aaaa\nbbbb\ncccc\n");
        LogsReply r = AllocLogs.build("a", Map.of(), Map.of("t", dir), 8); // the last 8 bytes: "bb\ncccc\n"
        assertEquals("cccc\n", r.getStdout().toStringUtf8());
        assertEquals(10, r.getStdoutDropped(), "7 bytes beyond the bound and the 3 of the cut line");
    }

    @Test
    void theRotatedFileComesFirstAndItsCutLineIsLeftOut() throws Exception {
        Files.writeString(dir.resolve(OutputBuffer.STDOUT_FILE + ".1"), "tail of a cut line\nold\n");
        Files.writeString(dir.resolve(OutputBuffer.STDOUT_FILE), "new\n");
        LogsReply r = AllocLogs.build("a", Map.of(), Map.of("t", dir), 4096);
        assertEquals("old\nnew\n", r.getStdout().toStringUtf8());
    }
}
