package io.muster.server.discovery;

import io.muster.types.discovery.Announcement;
import io.muster.types.discovery.AnnouncementCodec;
import io.muster.types.discovery.DiscoverySettings;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.MulticastSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Multicasts this server's {@link Announcement} every {@code interval} (each delay jittered by up to 10%, so servers
 * started together do not announce in lock-step). The rate is fixed by configuration, never by what the server hears:
 * it does not answer queries, so nobody on the segment can make it send more.
 *
 * <p>The datagram goes out with TTL 1: announcements stay on the local segment even where multicast routing exists.
 */
public final class LanAnnouncer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LanAnnouncer.class);

    private final DiscoverySettings settings;
    private final Supplier<Optional<Announcement>> what;
    private final RandomGenerator random;
    private final AtomicLong sent = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("muster-lan-announcer").factory());
    private MulticastSocket socket;
    private InetAddress group;

    /**
     * @param what the announcement to send now, empty while there is nothing to say yet (before the cluster
     *     identity exists); asked before every send, so a changed address is announced at the next tick
     */
    public LanAnnouncer(DiscoverySettings settings, Supplier<Optional<Announcement>> what, RandomGenerator random) {
        this.settings = settings;
        this.what = what;
        this.random = random;
    }

    /** Opens the socket and sends the first announcement at once. @throws IOException if no socket can be opened */
    public synchronized void start() throws IOException {
        group = InetAddress.getByName(settings.group());
        socket = new MulticastSocket();
        socket.setTimeToLive(1);
        log.info("announcing this server on the LAN to {}:{} every {} s", settings.group(), settings.port(),
                settings.interval().toSeconds());
        timer.execute(this::tick);
    }

    /** Announcements sent so far. */
    public long sent() {
        return sent.get();
    }

    /** The delay before the next announcement: the interval, plus or minus up to 10%. */
    static Duration nextDelay(Duration interval, RandomGenerator random) {
        long ms = interval.toMillis();
        long spread = ms / 10;
        return Duration.ofMillis(ms - spread + (spread == 0 ? 0 : random.nextLong(2 * spread + 1)));
    }

    private void tick() {
        try {
            what.get().ifPresent(this::send);
        } catch (RuntimeException e) {
            log.warn("LAN announcement not sent: {}", e.toString());
        } finally {
            if (!timer.isShutdown()) {
                timer.schedule(this::tick, nextDelay(settings.interval(), random).toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private void send(Announcement a) {
        byte[] bytes = AnnouncementCodec.encode(a);
        try {
            socket.send(new DatagramPacket(bytes, bytes.length, group, settings.port()));
            if (sent.incrementAndGet() == 1) {
                log.info("first LAN announcement sent: cluster {}, server {}, workers dial {}", a.clusterId(),
                        a.serverId(), a.workerAddrs());
            }
        } catch (IOException e) {
            // A host without a multicast route (no interface up yet) fails here; the next tick tries again.
            log.warn("LAN announcement to {}:{} failed: {}", settings.group(), settings.port(), e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (socket != null) {
            socket.close();
        }
    }
}
