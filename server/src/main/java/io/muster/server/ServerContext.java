package io.muster.server;

import io.muster.server.raft.RaftNode;
import io.muster.server.state.ClusterState;
import io.muster.types.config.ServerConfig;
import java.time.Clock;

/** What the API and protocol handlers of one server share. */
public record ServerContext(ServerConfig config, ClusterState state, RaftNode raft, Proposer proposer, Clock clock,
                            ServerSecurity security) {}
