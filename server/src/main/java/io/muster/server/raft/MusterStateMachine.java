package io.muster.server.raft;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.server.state.StateImage;
import java.io.File;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine: decodes each committed entry into a {@link Command} and hands it to the
 * {@link CommandApplier}. Rejections are results, never exceptions; an exception in apply is a bug and stops the
 * server (see {@link #fatal()}). Leader transitions are passed on to {@link LeaderServices} off the Raft threads.
 */
public final class MusterStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MusterStateMachine.class);

    private final ClusterState state;
    private final CommandApplier applier;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final List<LeaderServices> leaderServices = new CopyOnWriteArrayList<>();
    /** Leader services start and stop here, in order, never on a Raft thread. */
    private final ExecutorService leadership = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "leader-lifecycle");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean leading;
    private volatile RaftPeerId selfId;
    private final CompletableFuture<Throwable> fatal = new CompletableFuture<>();
    private volatile java.util.function.Consumer<Command> applyHook = c -> {};
    private volatile io.muster.server.metrics.RaftMetrics metrics = io.muster.server.metrics.RaftMetrics.NONE;

    public MusterStateMachine(ClusterState state) {
        this.state = state;
        this.applier = new CommandApplier(state);
    }

    /** Completes with the cause when an apply threw: the server has stopped applying and must be restarted or fixed. */
    public CompletableFuture<Throwable> fatal() {
        return fatal;
    }

    /** Fault injection: runs before each command is applied, on the apply thread (tests make it throw). */
    public void setApplyHook(java.util.function.Consumer<Command> hook) {
        this.applyHook = hook == null ? c -> {} : hook;
    }

    /** Where leader changes and snapshots are counted (set by the composition root before the server starts). */
    public void setMetrics(io.muster.server.metrics.RaftMetrics m) {
        this.metrics = m == null ? io.muster.server.metrics.RaftMetrics.NONE : m;
    }

    public void addLeaderServices(LeaderServices s) {
        leaderServices.add(s);
    }

    public boolean leading() {
        return leading;
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        selfId = server.getId();
        storage.init(raftStorage);
        loadLatestSnapshot();
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
    }

    /** Ratis pauses the state machine before installing a snapshot and requires the PAUSED state to reload. */
    @Override
    public void pause() {
        var lc = getLifeCycle();
        if (lc.getCurrentState() == org.apache.ratis.util.LifeCycle.State.RUNNING) lc.transition(org.apache.ratis.util.LifeCycle.State.PAUSING);
        if (lc.getCurrentState() == org.apache.ratis.util.LifeCycle.State.PAUSING) lc.transition(org.apache.ratis.util.LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        // Called after a snapshot was installed from the leader.
        loadLatestSnapshot();
        var lc = getLifeCycle();
        if (lc.getCurrentState() == org.apache.ratis.util.LifeCycle.State.PAUSED) {
            lc.transition(org.apache.ratis.util.LifeCycle.State.STARTING);
            lc.transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
        }
    }

    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo snap = storage.loadLatestSnapshot();
        if (snap == null) return;
        File f = snap.getFile().getPath().toFile();
        if (snap.getFile().getFileDigest() != null) MD5FileUtil.verifySavedMD5(f, snap.getFile().getFileDigest());
        StateImage img = SnapshotCodec.read(f.toPath());
        state.restore(img);
        setLastAppliedTermIndex(TermIndex.valueOf(snap.getTerm(), snap.getIndex()));
        LOG.info("loaded snapshot at index {} (term {}): {} nodes, {} jobs, {} allocations", snap.getIndex(), snap.getTerm(),
                img.nodes().size(), img.jobs().size(), img.allocs().size());
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        // Refuse undecodable commands before they reach the log.
        Command cmd;
        try {
            cmd = Command.parseFrom(request.getMessage().getContent().toByteArray());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IOException("not a Muster command: " + e.getMessage());
        }
        // A private key in the clear must never reach a log segment, whoever proposed it.
        if (cmd.hasInitCluster() && io.muster.server.state.InitClusters.carriesPlaintextKeys(cmd.getInitCluster())) {
            throw new IOException("refused: InitCluster carries private keys in the clear (they must be sealed under the cluster secret)");
        }
        // The leader keeps this context until the entry is applied here: commit latency as the leader sees it.
        return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request).setStateMachineContext(new Proposed(System.nanoTime())).build();
    }

    /** When a proposal reached this (leader) state machine; only the leader's own transactions carry it. */
    private record Proposed(long atNanos) {}

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        long term = entry.getTerm();
        CommandResult result;
        try {
            Command cmd = Command.parseFrom(entry.getStateMachineLogEntry().getLogData().toByteArray());
            applyHook.accept(cmd);
            result = applier.apply(cmd, index, term);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            applier.skip(index, term);
            result = CommandResult.newBuilder().setOk(false).setErrorCode("UNDECODABLE").setError("entry " + index + " is not a command").build();
        } catch (RuntimeException | Error e) {
            // A bug: skipping the entry would let this server's state drift from the others' without anyone knowing.
            // Nothing of the command is visible (applies are atomic); stop here, loudly, as Kafka's controller does.
            // Ratis closes the server when applyTransaction throws.
            LOG.error("FATAL: applying entry {} (term {}) threw; this server stops applying and shuts its Raft server down", index, term, e);
            fatal.complete(e);
            throw e;
        }
        updateLastAppliedTermIndex(term, index);
        if (trx.getStateMachineContext() instanceof Proposed p) metrics.committed(System.nanoTime() - p.atNanos());
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(result.toByteArray())));
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // Configuration and no-op entries: no command, but the applied index moves on.
        super.notifyTermIndexUpdated(term, index);
        applier.skip(index, term);
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() <= 0) return -1;
        long started = System.nanoTime();
        StateImage img = state.image();
        File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        File tmpDir = storage.getTmpDir() != null ? storage.getTmpDir() : target.getParentFile();
        SnapshotCodec.write(img, target.toPath(), tmpDir.toPath());
        var md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last.getTerm(), last.getIndex()));
        metrics.snapshotTaken(System.nanoTime() - started, target.length());
        LOG.info("snapshot taken at index {} ({} bytes)", last.getIndex(), target.length());
        return last.getIndex();
    }

    @Override
    public void notifyLeaderReady() {
        leading = true;
        long term = state.appliedTerm();
        leadership.execute(() -> {
            if (!leading) return;
            LOG.info("this server is the ready leader (term {})", term);
            for (LeaderServices s : leaderServices) {
                try {
                    s.startLeading(term);
                } catch (RuntimeException e) {
                    LOG.error("leader service {} failed to start", s, e);
                }
            }
        });
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        stepDown();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        if (newLeaderId != null) metrics.leaderChanged();
        if (leading && !groupMemberId.getPeerId().equals(newLeaderId)) stepDown();
    }

    private void stepDown() {
        if (!leading) return;
        leading = false;
        leadership.execute(() -> {
            LOG.info("this server is no longer the leader");
            for (LeaderServices s : leaderServices) {
                try {
                    s.stopLeading();
                } catch (RuntimeException e) {
                    LOG.error("leader service {} failed to stop", s, e);
                }
            }
        });
    }

    @Override
    public void close() throws IOException {
        stepDown();
        leadership.shutdown();
        super.close();
    }

    public RaftPeerId selfId() {
        return selfId;
    }
}
