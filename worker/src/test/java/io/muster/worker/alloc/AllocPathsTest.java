package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AllocPathsTest {
    private static final Path ROOT = Path.of("/var/lib/muster/allocs");

    @Test
    void theIdsServersGenerateAreSafe() {
        assertTrue(AllocPaths.isSafeId(UUID.randomUUID().toString()));
        assertTrue(AllocPaths.isSafeId("job-1a2b3c4d"));
        assertTrue(AllocPaths.isSafeId("web_2.v1"));
        assertTrue(AllocPaths.isSafeId("a".repeat(128)));
        String id = UUID.randomUUID().toString();
        assertEquals(ROOT.resolve(id + ".main"), AllocPaths.taskDir(ROOT, id + ".main"));
    }

    @Test
    void anythingThatIsNotOnePlainNameIsRefused() {
        for (String id : new String[] {"", ".", "..", "../x", "a/b", "/etc", "a\\b", ".hidden", "-rf", "a b", "a\nb", "a\0b",
                "é"}) {
            assertFalse(AllocPaths.isSafeId(id), id);
            assertThrows(IllegalArgumentException.class, () -> AllocPaths.taskDir(ROOT, id), id);
        }
        assertFalse(AllocPaths.isSafeId(null));
        // Ids have at most 128 characters; task keys (id.task) may be one whole file name long, no more.
        assertFalse(AllocPaths.isSafeId("a".repeat(129)));
        assertThrows(IllegalArgumentException.class, () -> AllocPaths.taskDir(ROOT, "a".repeat(256)));
        Assignment a = new Assignment("../../etc", "job-1", "web", 0, "batch", 0, 0, "{}");
        assertTrue(AllocPaths.problem(a).orElseThrow().startsWith("refused: the allocation id is not a safe directory name"));
        Assignment badJob = new Assignment(UUID.randomUUID().toString(), "../job", "web", 0, "batch", 0, 0, "{}");
        assertTrue(AllocPaths.problem(badJob).orElseThrow().startsWith("refused: the job id '../job'"));
    }

    @Test
    void serverStringsAreQuotedWithoutControlCharacters() {
        assertEquals("'x\\u000aforged'", AllocPaths.printable("x\nforged"));
        assertEquals("'" + "a".repeat(80) + "...'", AllocPaths.printable("a".repeat(200)));
    }
}
