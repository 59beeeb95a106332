package io.muster.worker.rpc;

import io.muster.types.config.HostPort;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers this worker may talk to, and which one it talks to now.
 *
 * <p>The list is what the cluster last advertised (every server's {@code worker_grpc_addr}) followed by the
 * configured addresses not already in it: the configured ones stay as a last resort, because they may be a stable
 * name (a load balancer, a DNS alias) that still works when every advertised address has changed. Workers start at a
 * random position so that a fleet sharing one configuration does not all pile onto the first server.
 *
 * <p>Hints (addresses heard in LAN announcements) come first until a server of the cluster has answered with its
 * list; then they are dropped, because anyone on the segment can announce anything, and only the cluster's own
 * answer (over TLS pinned to its CA) says which addresses are really its servers. A hint that a server behind it
 * proved with the pinned CA is {@link #confirm confirmed} and kept like a configured address.
 */
public final class ServerList {
    private static final Logger log = LoggerFactory.getLogger(ServerList.class);

    private List<HostPort> seeds;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private List<HostPort> servers;
    private List<String> lastAdvertised = List.of();
    private int position;

    public ServerList(List<HostPort> seeds, RandomGenerator random) {
        this(List.of(), seeds, random);
    }

    /** @param hints addresses to try first until the cluster advertises its own list (see the class comment) */
    public ServerList(List<HostPort> hints, List<HostPort> seeds, RandomGenerator random) {
        if (seeds.isEmpty() && hints.isEmpty()) {
            throw new IllegalArgumentException("a worker needs at least one server address");
        }
        this.seeds = List.copyOf(new LinkedHashSet<>(seeds));
        LinkedHashSet<HostPort> first = new LinkedHashSet<>(hints);
        first.addAll(seeds);
        this.servers = List.copyOf(first);
        this.position = random.nextInt(servers.size());
    }

    public synchronized HostPort current() {
        return servers.get(position);
    }

    /** Moves to the next server (wrapping around) and returns it. */
    public synchronized HostPort advance() {
        position = (position + 1) % servers.size();
        return servers.get(position);
    }

    public synchronized List<HostPort> all() {
        return servers;
    }

    public synchronized int size() {
        return servers.size();
    }

    /**
     * Takes in the list a server advertised. Addresses that cannot be dialled (unparseable, or a wildcard bind
     * address such as {@code 0.0.0.0:4648}) are skipped with a warning. An empty list changes nothing.
     *
     * @return true if the current server is no longer in the list (the caller should move on)
     */
    public synchronized boolean update(List<String> advertised) {
        if (advertised.isEmpty() || advertised.equals(lastAdvertised)) {
            return false;
        }
        lastAdvertised = List.copyOf(advertised);
        LinkedHashSet<HostPort> merged = new LinkedHashSet<>();
        for (String text : advertised) {
            HostPort parsed = parse(text);
            if (parsed != null) {
                merged.add(parsed);
            }
        }
        if (merged.isEmpty()) {
            return false;
        }
        merged.addAll(seeds);
        HostPort current = current();
        List<HostPort> next = new ArrayList<>(merged);
        if (!next.equals(servers)) {
            log.info("server list is now {}", next);
        }
        servers = List.copyOf(next);
        int index = servers.indexOf(current);
        if (index >= 0) {
            position = index;
            return false;
        }
        position = 0;
        return true;
    }

    /** Keeps {@code proven} (an address whose server passed the pin) as a last resort, like a configured one. */
    public synchronized void confirm(HostPort proven) {
        if (proven == null || seeds.contains(proven)) {
            return;
        }
        List<HostPort> more = new ArrayList<>(seeds);
        more.add(proven);
        seeds = List.copyOf(more);
        if (!servers.contains(proven)) {
            List<HostPort> next = new ArrayList<>(servers);
            next.add(proven);
            servers = List.copyOf(next);
        }
    }

    private HostPort parse(String text) {
        try {
            HostPort hp = HostPort.parse(text);
            String host = hp.host();
            if (host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0")) {
                warnOnce(text, "server advertised the wildcard address " + text
                        + " as its worker_grpc_addr; workers cannot dial it (set an address they can reach)");
                return null;
            }
            return hp;
        } catch (IllegalArgumentException e) {
            warnOnce(text, "ignoring unusable server address '" + text + "' from the server list: " + e.getMessage());
            return null;
        }
    }

    private void warnOnce(String key, String message) {
        if (warned.add(key)) {
            log.warn(message);
        }
    }

    @Override
    public synchronized String toString() {
        return servers.toString();
    }
}
