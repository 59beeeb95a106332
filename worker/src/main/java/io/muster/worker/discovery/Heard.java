package io.muster.worker.discovery;

import io.muster.types.config.HostPort;
import io.muster.types.discovery.Decoded;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one listening period heard.
 *
 * @param servers worker addresses announced for the wanted cluster, in the order first heard
 * @param otherClusters ids of other clusters heard on the group (at most {@link Tally#MAX_OTHER_CLUSTERS} kept)
 * @param dropped datagrams dropped, by reason
 */
public record Heard(List<HostPort> servers, Set<String> otherClusters, Map<Decoded.Reason, Long> dropped) {
    public Heard {
        servers = List.copyOf(servers);
        otherClusters = Set.copyOf(otherClusters);
        dropped = Map.copyOf(dropped);
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One line for logs and error messages: what else was on the group. */
    public String describeNoise() {
        return "heard " + otherClusters.size() + " other cluster(s)" + (otherClusters.isEmpty() ? "" : " " + otherClusters)
                + ", dropped " + droppedTotal() + " bad datagram(s)" + (dropped.isEmpty() ? "" : " " + dropped);
    }
}
