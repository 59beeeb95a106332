package io.muster.types.discovery;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where announcements travel and how often ({@code discovery:} in server and worker files).
 *
 * @param enabled server: announce ({@code announce: true}); worker: listen instead of using configured servers
 *     ({@code cluster.discover: true}, {@code --discover})
 * @param group an IPv4 multicast group; the default is in the organisation-local scope 239.255.0.0/16, which
 *     routers do not forward off the site
 * @param port UDP port of the group
 * @param interval server: time between announcements (each jittered by up to 10%)
 * @param listenFor worker: how long to listen before giving up when no server of its cluster answers
 * @param settle worker: how long to keep listening after the first matching announcement, to hear the other
 *     servers too (one interval hears every server that announces)
 */
public record DiscoverySettings(boolean enabled, String group, int port, Duration interval, Duration listenFor, Duration settle) {
    public static final String DEFAULT_GROUP = "239.255.77.77";
    public static final int DEFAULT_PORT = 3672;
    private static final Pattern IPV4_MULTICAST = Pattern.compile("2(2[4-9]|3[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}");

    /** Off; the group, port and timing everybody uses unless configured otherwise. */
    public static final DiscoverySettings DEFAULTS = new DiscoverySettings(false, DEFAULT_GROUP, DEFAULT_PORT,
            Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(6));

    public DiscoverySettings {
        if (group == null || !IPV4_MULTICAST.matcher(group).matches()) {
            throw new IllegalArgumentException("discovery.group must be an IPv4 multicast address (224.0.0.0-239.255.255.255), got '" + group + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("discovery.port must be 1-65535, got " + port);
        }
        // Bounds keep the rate fixed: no configuration makes a server flood the segment.
        if (interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("discovery.interval must be between 0.1 s and 600 s");
        }
        if (listenFor.isNegative() || listenFor.isZero() || listenFor.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("discovery.wait must be between 1 s and 3600 s");
        }
        if (settle.isNegative() || settle.compareTo(listenFor) > 0) {
            throw new IllegalArgumentException("discovery.settle must be between 0 and discovery.wait");
        }
    }

    public DiscoverySettings withEnabled(boolean on) {
        return new DiscoverySettings(on, group, port, interval, listenFor, settle);
    }
}
