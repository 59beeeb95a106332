package io.muster.server.leader;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.InitCluster;
import io.muster.server.Proposer;
import io.muster.server.state.ClusterState;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits the cluster identity that `muster server init` made on this server (keys sealed under the cluster
 * secret), once a quorum exists. Runs on that server only, leader or not — proposals reach the leader anyway — and
 * stops as soon as the replicated state holds an identity.
 */
public final class ClusterBootstrapper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterBootstrapper.class);
    private final ClusterState state;
    private final Proposer proposer;
    private final Supplier<Optional<InitCluster>> pending;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-bootstrap");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean inFlight;

    public ClusterBootstrapper(ClusterState state, Proposer proposer, Supplier<Optional<InitCluster>> pending) {
        this.state = state;
        this.proposer = proposer;
        this.pending = pending;
    }

    public void start(Duration every) {
        timer.scheduleWithFixedDelay(this::tick, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        Optional<InitCluster> init = pending.get();
        if (init.isEmpty() || state.identity().isPresent()) {
            if (state.identity().isPresent() && init.isPresent() && !state.identity().get().clusterId().equals(init.get().getClusterId())) {
                LOG.error("this server holds the identity of cluster {} but its Raft state belongs to cluster {}",
                        init.get().getClusterId(), state.identity().get().clusterId());
            }
            timer.shutdown();
            return;
        }
        if (inFlight) return;
        inFlight = true;
        proposer.propose(Command.newBuilder().setInitCluster(init.get())).whenComplete((r, e) -> {
            inFlight = false;
            if (e != null) LOG.info("cluster identity not committed yet (waiting for a quorum): {}", e.getMessage());
            else if (r.getOk()) LOG.info("committed the identity of cluster {}", init.get().getClusterId());
            else LOG.warn("cluster identity refused: {}", r.getError());
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
