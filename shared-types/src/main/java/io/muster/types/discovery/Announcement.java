package io.muster.types.discovery;

import io.muster.types.config.HostPort;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a server says about itself on the LAN: only public facts (all of them are also in any worker's server list).
 *
 * @param clusterId the cluster the server claims to belong to (unauthenticated: the CA pin decides)
 * @param serverId the server's Raft id
 * @param workerAddrs where workers dial it ({@code worker_grpc_addr}), at most {@link #MAX_ADDRS}
 */
public record Announcement(String clusterId, int serverId, List<HostPort> workerAddrs) {
    /** The same shape as the pki module's cluster ids, checked here so a decoded datagram is valid by construction. */
    public static final Pattern CLUSTER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    public static final int MAX_ADDRS = 4;

    public Announcement {
        if (clusterId == null || !CLUSTER_ID.matcher(clusterId).matches()) {
            throw new IllegalArgumentException("cluster id must be 1-63 characters of [A-Za-z0-9._-] starting with a letter or digit");
        }
        if (serverId < 1) {
            throw new IllegalArgumentException("server id must be >= 1");
        }
        Objects.requireNonNull(workerAddrs, "workerAddrs");
        if (workerAddrs.isEmpty() || workerAddrs.size() > MAX_ADDRS) {
            throw new IllegalArgumentException("an announcement carries 1-" + MAX_ADDRS + " worker addresses");
        }
        workerAddrs = List.copyOf(workerAddrs);
    }
}
