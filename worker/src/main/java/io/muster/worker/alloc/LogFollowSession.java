package io.muster.worker.alloc;

import com.google.protobuf.ByteString;
import io.muster.proto.LogChunk;
import io.muster.proto.LogFollowRequest;
import io.muster.proto.LogStreamFrame;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.StreamBuffer;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.driver.TaskResult;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One follow of an allocation's output, run on its own virtual thread: reads the tasks' buffers from where it left
 * off and sends what is new in frames of many lines (every {@link #FLUSH_MS} ms, or at once when {@link #FRAME_BYTES}
 * are ready), never more than the credit the server granted. A reader that falls behind by more than the task's
 * buffer holds loses the oldest output, reported as {@link LogChunk#getDroppedBytes} before the next whole line.
 *
 * <p>It ends, with an {@code end} frame, when the allocation has ended and its last bytes were sent; or at once when
 * cancelled (the reader went away, or the control stream closed), which frees it.
 */
public final class LogFollowSession implements Runnable {
    public static final int FRAME_BYTES = 64 * 1024;
    public static final long FLUSH_MS = 50;
    /** A follow asked for right after placement may arrive before the worker has the allocation: it waits this long. */
    static final long WAIT_FOR_ALLOC_MS = 15_000;
    /** Most history read from the files of a finished allocation. */
    static final int MAX_FILE_HISTORY = OutputBuffer.DEFAULT_CAPACITY;

    private final Allocations allocations;
    private final LogFollowRequest req;
    private final Consumer<LogStreamFrame> out;
    private final AtomicLong credit;
    private final Object wake = new Object();
    private volatile boolean cancelled;
    private final Map<String, Cursor> cursors = new LinkedHashMap<>();
    private final List<LogChunk> pending = new ArrayList<>();
    private int pendingBytes;
    private AllocRunner runner;

    /** Where the follow is in one task's current attempt. */
    private static final class Cursor {
        TaskHandle handle;
        long out;
        long err;
    }

    public LogFollowSession(Allocations allocations, LogFollowRequest req, Consumer<LogStreamFrame> out) {
        this.allocations = allocations;
        this.req = req;
        this.out = out;
        this.credit = new AtomicLong(Math.max(FRAME_BYTES, req.getInitialCredit()));
    }

    public void credit(long bytes) {
        credit.addAndGet(bytes);
        poke();
    }

    public void cancel() {
        cancelled = true;
        poke();
    }

    public boolean cancelled() {
        return cancelled;
    }

    private void poke() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    @Override
    public void run() {
        try {
            follow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!cancelled) out.accept(LogStreamFrame.newBuilder().setEnd(true).setError("worker error while following: " + e).build());
        }
    }

    private void follow() throws InterruptedException {
        long waitUntil = System.currentTimeMillis() + WAIT_FOR_ALLOC_MS;
        Optional<Allocations.LogSource> src = allocations.logSource(req.getAllocId());
        while (src.isEmpty() && req.getFollow() && !cancelled && System.currentTimeMillis() < waitUntil) {
            pause();
            src = allocations.logSource(req.getAllocId());
        }
        if (cancelled) return;
        if (src.isEmpty()) {
            out.accept(LogStreamFrame.newBuilder().setEnd(true).setError("allocation " + req.getAllocId() + " is not on this node").build());
            return;
        }
        Map<String, Path> dirs = selectedTasks(src.get().taskDirs());
        if (dirs.isEmpty()) {
            out.accept(LogStreamFrame.newBuilder().setEnd(true).setError("allocation " + req.getAllocId() + " has no task "
                    + AllocPaths.printable(req.getTask())).build());
            return;
        }
        AllocRunner runner = src.get().runner();
        if (runner == null || src.get().terminal() && runner.handles().isEmpty()) {
            // Finished before this worker process started (or never ran): what its files hold is all there is.
            for (var t : dirs.entrySet()) {
                if (req.getStdout()) add(t.getKey(), false, fileHistory(t.getValue().resolve(OutputBuffer.STDOUT_FILE)), 0);
                if (req.getStderr()) add(t.getKey(), true, fileHistory(t.getValue().resolve(OutputBuffer.STDERR_FILE)), 0);
            }
            flushAll();
            end();
            return;
        }
        this.runner = runner;
        for (String task : dirs.keySet()) cursors.put(task, new Cursor());
        boolean first = true;
        while (!cancelled) {
            boolean done = runner.finished(); // read before the buffers: whatever it wrote by then is read below
            Map<String, TaskHandle> handles = runner.handles();
            for (var e : cursors.entrySet()) readTask(e.getKey(), e.getValue(), handles.get(e.getKey()), first);
            first = false;
            flushAll();
            if (cancelled) return;
            if (done || !req.getFollow()) {
                end();
                return;
            }
            pause();
        }
    }

    private Map<String, Path> selectedTasks(Map<String, Path> all) {
        if (req.getTask().isEmpty()) return all;
        Map<String, Path> one = new LinkedHashMap<>();
        if (all.containsKey(req.getTask())) one.put(req.getTask(), all.get(req.getTask()));
        return one;
    }

    /** Reads what is new in one task; moves to the next attempt's handle when the task restarted. */
    private void readTask(String task, Cursor c, TaskHandle now, boolean first) throws InterruptedException {
        if (now == null) return;
        if (c.handle != null && c.handle != now) {
            drain(task, c); // the end of the previous attempt first
            int exit = c.handle.result().isDone() ? c.handle.result().getNow(null) == null ? TaskResult.UNKNOWN_EXIT_CODE
                    : c.handle.result().getNow(null).exitCode() : TaskResult.UNKNOWN_EXIT_CODE;
            String marker = AttemptMarker.line(runner.restarts(task) + 1, exit);
            if (req.getStdout()) add(task, false, marker.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
            if (req.getStderr()) add(task, true, marker.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
            c.handle = null;
        }
        if (c.handle == null) {
            c.handle = now;
            c.out = first ? startOf(now.output().stdout()) : 0;
            c.err = first ? startOf(now.output().stderr()) : 0;
        }
        now.refreshOutput();
        drain(task, c);
    }

    /** Where a follow starts in the attempt running when it began: --tail, --since, or only what is new. */
    private long startOf(StreamBuffer b) {
        long start = b.totalBytes();
        if (req.getTailAll()) start = 0;
        else if (req.getTailLines() > 0) start = b.lastLinesStart(req.getTailLines());
        if (req.getSinceUnixMs() > 0) start = req.getTailAll() || req.getTailLines() == 0 ? b.offsetSince(req.getSinceUnixMs())
                : Math.max(start, b.offsetSince(req.getSinceUnixMs()));
        return start;
    }

    private void drain(String task, Cursor c) throws InterruptedException {
        if (req.getStdout()) c.out = drainStream(task, false, c.handle.output().stdout(), c.out);
        if (req.getStderr()) c.err = drainStream(task, true, c.handle.output().stderr(), c.err);
    }

    private long drainStream(String task, boolean stderr, StreamBuffer b, long from) throws InterruptedException {
        long at = from;
        while (!cancelled) {
            int room = FRAME_BYTES - pendingBytes;
            if (room <= 0) {
                flush();
                continue;
            }
            StreamBuffer.Read r = b.readFrom(at, room);
            if (r.data().length == 0 && r.dropped() == 0) break;
            add(task, stderr, r.data(), r.dropped());
            at = r.next();
        }
        return at;
    }

    private void add(String task, boolean stderr, byte[] data, long dropped) {
        if (data.length == 0 && dropped == 0) return;
        pending.add(LogChunk.newBuilder().setTask(task).setStderr(stderr).setData(ByteString.copyFrom(data)).setDroppedBytes(dropped).build());
        pendingBytes += data.length;
    }

    private void flushAll() throws InterruptedException {
        if (!pending.isEmpty()) flush();
    }

    /** Sends the pending chunks as one frame once the credit allows. */
    private void flush() throws InterruptedException {
        while (!cancelled && credit.get() < pendingBytes && credit.get() < FRAME_BYTES) {
            synchronized (wake) {
                if (!cancelled && credit.get() < pendingBytes && credit.get() < FRAME_BYTES) wake.wait(1000);
            }
        }
        if (cancelled) return;
        credit.addAndGet(-pendingBytes);
        out.accept(LogStreamFrame.newBuilder().addAllChunks(pending).build());
        pending.clear();
        pendingBytes = 0;
    }

    private void end() {
        if (!cancelled) out.accept(LogStreamFrame.newBuilder().setEnd(true).build());
    }

    private void pause() throws InterruptedException {
        synchronized (wake) {
            if (!cancelled) wake.wait(FLUSH_MS);
        }
    }

    /** The retained end of a finished task's log file and its rotated part, from a whole line, then --tail. */
    private byte[] fileHistory(Path file) {
        try {
            Path rotated = file.resolveSibling(file.getFileName() + ".1");
            byte[] recent = tail(file, MAX_FILE_HISTORY);
            byte[] older = tail(rotated, MAX_FILE_HISTORY - recent.length);
            byte[] all = new byte[older.length + recent.length];
            System.arraycopy(older, 0, all, 0, older.length);
            System.arraycopy(recent, 0, all, older.length, recent.length);
            long size = size(file) + size(rotated);
            int from = size > all.length || Files.exists(rotated) ? firstWholeLine(all) : 0;
            if (!req.getTailAll() && req.getTailLines() > 0) from = Math.max(from, lastLines(all, req.getTailLines()));
            else if (!req.getTailAll()) from = req.getFollow() ? all.length : from;
            return java.util.Arrays.copyOfRange(all, from, all.length);
        } catch (IOException e) {
            return ("(cannot read " + file.getFileName() + ": " + e.getMessage() + ")\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static int firstWholeLine(byte[] data) {
        for (int i = 0; i < data.length - 1; i++) if (data[i] == '\n') return i + 1;
        return 0;
    }

    static int lastLines(byte[] data, int lines) {
        int i = data.length - 1;
        if (i >= 0 && data[i] == '\n') i--;
        int seen = 0;
        for (; i >= 0; i--) if (data[i] == '\n' && ++seen == lines) return i + 1;
        return 0;
    }

    private static byte[] tail(Path file, int max) throws IOException {
        if (max <= 0 || !Files.exists(file)) return new byte[0];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            int n = (int) Math.min(length, max);
            byte[] data = new byte[n];
            f.seek(length - n);
            f.readFully(data);
            return data;
        }
    }

    private static long size(Path file) throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }
}
