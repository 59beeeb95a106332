package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * The archive's training run goes the whole way for each command: its canned answers still read as the CLI expects
 * (when the API's shape changes and they no longer do, the archive would miss the classes of a successful command).
 */
class CliTrainingTest {
    @Test
    void everyTrainingCommandSucceedsAndPrintsItsTable() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int[] codes = CliTraining.run(new PrintWriter(out), new PrintWriter(err));
        assertArrayEquals(new int[CliTraining.COMMANDS.size()], codes, () -> out + "\n" + err);
        assertEquals("", err.toString());
        String printed = out.toString();
        assertTrue(printed.contains("HOSTNAME") && printed.contains("training") && printed.contains("linux/amd64"), printed);
        assertTrue(printed.contains("00000000"), "job status lists the allocation\n" + printed);
    }
}
