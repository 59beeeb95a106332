package io.muster.worker.discovery;

import io.muster.types.config.HostPort;
import io.muster.types.discovery.Announcement;
import io.muster.types.discovery.Decoded;
import java.net.InetAddress;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Sorts datagrams into servers of the wanted cluster, other clusters and drops. Every collection is capped, so a
 * flood of distinct forged announcements costs a fixed amount of memory.
 */
final class Tally {
    static final int MAX_SERVERS = 64;
    static final int MAX_OTHER_CLUSTERS = 16;

    private final String clusterId;
    private final Set<HostPort> servers = new LinkedHashSet<>();
    private final Set<String> otherClusters = new TreeSet<>();
    private final Map<Decoded.Reason, Long> dropped = new EnumMap<>(Decoded.Reason.class);

    Tally(String clusterId) {
        this.clusterId = clusterId;
    }

    /**
     * Takes one decoded datagram from {@code sender}.
     *
     * @return true if it named a server of the wanted cluster
     */
    boolean take(Decoded decoded, InetAddress sender) {
        return switch (decoded) {
            case Decoded.Dropped d -> {
                dropped.merge(d.reason(), 1L, Long::sum);
                yield false;
            }
            case Decoded.Accepted a -> accept(a.announcement(), sender);
        };
    }

    private boolean accept(Announcement a, InetAddress sender) {
        if (!a.clusterId().equals(clusterId)) {
            if (otherClusters.size() < MAX_OTHER_CLUSTERS) {
                otherClusters.add(a.clusterId());
            }
            return false;
        }
        for (HostPort addr : a.workerAddrs()) {
            if (servers.size() < MAX_SERVERS) {
                servers.add(dialable(addr, sender));
            }
        }
        return true;
    }

    /**
     * A server bound to a wildcard ({@code worker_grpc_addr: 0.0.0.0:3670}) cannot say which of its addresses
     * workers should dial, and a loopback address heard from another host means that host; in both cases the address
     * the datagram came from is one this worker can reach. A loopback address from this very host stays as it is (the
     * server may listen on loopback only).
     */
    static HostPort dialable(HostPort addr, InetAddress sender) {
        String host = addr.host();
        boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
        boolean loopback = host.startsWith("127.") || host.equals("::1") || host.equalsIgnoreCase("localhost");
        if (wildcard || (loopback && !isLocal(sender))) {
            return new HostPort(sender.getHostAddress(), addr.port());
        }
        return addr;
    }

    private static boolean isLocal(InetAddress address) {
        try {
            return address.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(address) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    boolean found() {
        return !servers.isEmpty();
    }

    Heard heard() {
        return new Heard(servers.stream().toList(), otherClusters, dropped);
    }
}
