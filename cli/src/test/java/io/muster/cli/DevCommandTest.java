package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DevCommandTest {
    @Test
    void aWorkerThatJoinedBeforeNeedsNoNewTokenSoRestartsLeaveNoneBehind(@TempDir Path dir) throws Exception {
        Path identity = dir.resolve("worker/identity");
        assertFalse(DevCommand.joined(identity), "first start: a token is made");
        Files.createDirectories(identity);
        Files.writeString(identity.resolve("cert.pem"), "x");
        assertFalse(DevCommand.joined(identity), "a half-saved identity is not one");
        Files.writeString(identity.resolve("key.pem"), "x");
        assertTrue(DevCommand.joined(identity));
    }

    @Test
    void labelsAreTheEmbeddedWorkersAndCheckedLikeAWorkers() {
        DevCommand dev = new DevCommand();
        new CommandLine(dev).parseArgs("--labels", "group=web,name=devbox");
        assertEquals(Map.of("group", "web", "name", "devbox"), dev.labels.map());
        Run bad = Run.muster(Map.of(), "dev", "--labels", "group web");
        assertEquals(2, bad.code(), bad::toString);
        assertTrue(bad.err().contains("'group web' is not key=value"), bad.err());
    }
}
