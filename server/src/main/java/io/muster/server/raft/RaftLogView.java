package io.muster.server.raft;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;

/** This server's Raft log, read-only: the entries it keeps, each with a one-line summary (never a secret). */
public final class RaftLogView {
    public record LogEntry(long index, long term, String type, String summary) {}

    private final Supplier<RaftServer.Division> division;

    RaftLogView(Supplier<RaftServer.Division> division) {
        this.division = division;
    }

    /** Entries from {@code start} (or the oldest kept), at most {@code limit}. */
    public List<LogEntry> entries(long start, int limit) throws IOException {
        RaftLog log = division.get().getRaftLog();
        long first = Math.max(start, log.getStartIndex());
        long last = log.getLastEntryTermIndex() == null ? 0 : log.getLastEntryTermIndex().getIndex();
        List<LogEntry> out = new ArrayList<>();
        for (long i = first; i <= last && out.size() < limit; i++) {
            LogEntryProto e;
            try {
                e = log.get(i);
            } catch (Exception ex) {
                throw new IOException("cannot read log entry " + i + ": " + ex.getMessage(), ex);
            }
            if (e == null) continue;
            out.add(LogSummaries.describe(e));
        }
        return out;
    }

    /** The oldest index still in the log (entries before it were purged after a snapshot). */
    public long startIndex() {
        return division.get().getRaftLog().getStartIndex();
    }
}
