package io.muster.worker.discovery;

import io.muster.types.discovery.AnnouncementCodec;
import io.muster.types.discovery.DiscoverySettings;
import io.muster.worker.WorkerException;
import io.muster.worker.util.Ticker;
import io.muster.worker.util.Waker;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the discovery group until a server of the wanted cluster has announced itself and {@code settle} has
 * passed (to hear the cluster's other servers too), or until {@code listenFor} runs out.
 *
 * <p>One fixed receive buffer of {@link AnnouncementCodec#MAX_BYTES} + 1 bytes serves every datagram: a datagram
 * that fills it was longer than any announcement and is dropped as oversized without being read further.
 */
public final class LanDiscovery {
    private static final Logger log = LoggerFactory.getLogger(LanDiscovery.class);
    /** How often the worker says it is still listening, so an operator knows it is not hung. */
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    /** Longest single blocking receive: bounds how late a deadline or a stop is noticed. */
    private static final int RECEIVE_SLICE_MS = 250;

    private final DiscoverySettings settings;
    private final Ticker ticker;

    public LanDiscovery(DiscoverySettings settings, Ticker ticker) {
        this.settings = settings;
        this.ticker = ticker;
    }

    /**
     * Listens for servers of {@code clusterId}.
     *
     * @return what was heard (servers non-empty), or empty if {@code stopping} closed first
     * @throws WorkerException if no server of the cluster announced itself in time, or the group cannot be joined
     */
    public Optional<Heard> discover(String clusterId, Waker stopping) {
        Tally tally = new Tally(clusterId);
        InetAddress group;
        try {
            group = InetAddress.getByName(settings.group());
        } catch (IOException e) {
            throw new WorkerException("discovery.group " + settings.group() + " is not usable: " + e.getMessage(), e);
        }
        try (MulticastSocket socket = new MulticastSocket(settings.port())) {
            socket.joinGroup(new InetSocketAddress(group, 0), null);
            log.info("listening for servers of cluster {} on {}:{} (up to {} s; servers announce only with discovery:"
                    + " {announce: true})", clusterId, settings.group(), settings.port(), settings.listenFor().toSeconds());
            return Optional.ofNullable(listen(socket, tally, clusterId, stopping));
        } catch (IOException e) {
            throw new WorkerException("cannot listen for server announcements on " + settings.group() + ":" + settings.port()
                    + ": " + e.getMessage() + "; pass --server ADDR instead of --discover", e);
        }
    }

    /** @return null if stopped */
    private Heard listen(MulticastSocket socket, Tally tally, String clusterId, Waker stopping) throws IOException {
        byte[] buf = new byte[AnnouncementCodec.MAX_BYTES + 1];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        long start = ticker.nanoTime();
        long deadline = start + settings.listenFor().toNanos();
        long nextProgress = start + PROGRESS_EVERY.toNanos();
        while (!stopping.isClosed()) {
            long now = ticker.nanoTime();
            if (now - deadline >= 0) {
                if (tally.found()) {
                    break;
                }
                throw new WorkerException("no server of cluster " + clusterId + " announced itself on " + settings.group()
                        + ":" + settings.port() + " within " + settings.listenFor().toSeconds() + " s ("
                        + tally.heard().describeNoise() + "); check that the servers set discovery: {announce: true} with"
                        + " the same group and port, that multicast reaches this host, or pass --server ADDR");
            }
            if (now - nextProgress >= 0 && !tally.found()) { // while settling, the first match was already said
                log.info("still listening for servers of cluster {} ({} s left; {})", clusterId,
                        Duration.ofNanos(deadline - now).toSeconds(), tally.heard().describeNoise());
                nextProgress = now + PROGRESS_EVERY.toNanos();
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(RECEIVE_SLICE_MS, Duration.ofNanos(deadline - now).toMillis())));
            packet.setLength(buf.length);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                continue;
            }
            boolean first = !tally.found();
            if (tally.take(AnnouncementCodec.decode(buf, 0, packet.getLength()), packet.getAddress()) && first) {
                log.info("heard a server of cluster {} from {}; listening {} ms more for its other servers", clusterId,
                        packet.getAddress().getHostAddress(), settings.settle().toMillis());
                deadline = Math.min(deadline, ticker.nanoTime() + settings.settle().toNanos());
            }
        }
        if (stopping.isClosed()) {
            return null;
        }
        Heard heard = tally.heard();
        log.info("discovered servers {} of cluster {} ({})", heard.servers(), clusterId, heard.describeNoise());
        return heard;
    }
}
