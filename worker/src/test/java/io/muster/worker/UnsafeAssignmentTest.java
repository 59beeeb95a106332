package io.muster.worker;

import static io.muster.worker.WorkerHarness.shGroup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.Allocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Allocation ids come from the server and name directories under {@code <data_dir>/allocs}: an id that is not a
 * plain name is refused (reported failed) before the worker touches any file, and forgetting it deletes nothing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UnsafeAssignmentTest {
    @TempDir
    Path tmp;
    /** Two levels below the temporary directory, so that even "../../x" stays inside it if the worker misbehaves. */
    private Path dataDir;
    private WorkerHarness h;
    private WorkerDaemon worker;
    private long node;

    @BeforeEach
    void setUp() throws Exception {
        dataDir = Files.createDirectories(tmp.resolve("a/b"));
        h = new WorkerHarness(dataDir, 1);
        worker = h.startRunning(h.cluster.token(1));
        node = worker.nodeId();
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    @Test
    void idsThatAreNotPlainNamesAreRefusedAndNothingOutsideTheAllocRootIsCreatedOrDeleted() throws Exception {
        Path victim = Files.createDirectories(dataDir.resolve("victim"));
        Files.writeString(victim.resolve("keep"), "not the worker's to delete");
        Path ran = tmp.resolve("ran");
        Path absolute = tmp.resolve("absolute");
        List<String> unsafe = List.of("../victim", "../../etc", "a/b", "..", ".", "", absolute.toString(), "x\nforged log line");
        for (String id : unsafe) {
            h.cluster.set(node, Allocation.newBuilder().setId(id).setJobId("job-1").setGroup("web").setJobType("batch")
                    .setGroupSpecJson(com.google.protobuf.ByteString.copyFromUtf8(shGroup("touch '" + ran + "'", 0))).build());
        }
        for (String id : unsafe) {
            AllocStatus s = h.awaitState(id, AllocState.ALLOC_FAILED);
            assertTrue(s.getMessage().startsWith("refused: the allocation id is not a safe directory name"), s.getMessage());
        }
        // A safe allocation after them runs as usual.
        h.cluster.set(node, WorkerHarness.alloc("0b0e1f4c-1d2e-4f5a-8b9c-0d1e2f3a4b5c", "batch", shGroup("true", 0)));
        h.awaitState("0b0e1f4c-1d2e-4f5a-8b9c-0d1e2f3a4b5c", AllocState.ALLOC_COMPLETE);

        // The server deletes them: the worker forgets them without deleting anything.
        for (String id : unsafe) h.cluster.delete(node, id);
        Await.until("the refused allocations to be forgotten",
                () -> unsafe.stream().noneMatch(worker.status().allocations()::containsKey), () -> worker.status().toString());

        assertFalse(Files.exists(ran), "a refused allocation ran");
        assertEquals("not the worker's to delete", Files.readString(victim.resolve("keep")));
        assertFalse(Files.exists(tmp.resolve("a/etc")), "created a directory outside the alloc root");
        assertFalse(Files.exists(dataDir.resolve("allocs/a")), "created a nested directory");
        assertFalse(Files.exists(absolute), "created a directory at an absolute path");
        assertEquals(WorkerDaemon.State.RUNNING, worker.status().state());
    }
}
