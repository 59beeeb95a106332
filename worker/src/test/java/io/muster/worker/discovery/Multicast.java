package io.muster.worker.discovery;

import io.muster.types.discovery.DiscoverySettings;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Test helpers: a private group and port per test, a raw sender, and a probe of whether this host loops multicast back. */
public final class Multicast {
    private Multicast() {}

    /** A group in 239.255.0.0/16 and a free port of its own, so tests running side by side do not hear each other. */
    public static DiscoverySettings privateGroup(Duration interval, Duration listenFor, Duration settle) throws IOException {
        int port;
        try (DatagramSocket s = new DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String group = "239.255." + r.nextInt(1, 255) + "." + r.nextInt(1, 255);
        return new DiscoverySettings(true, group, port, interval, listenFor, settle);
    }

    public static void send(DiscoverySettings s, byte[] bytes) throws IOException {
        try (MulticastSocket socket = new MulticastSocket()) {
            socket.setTimeToLive(1);
            socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getByName(s.group()), s.port()));
        }
    }

    /** Whether a datagram this process sends to a group comes back to a member of it (IP_MULTICAST_LOOP, a route). */
    public static boolean loopsBack() {
        try {
            DiscoverySettings s = privateGroup(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO);
            try (MulticastSocket in = new MulticastSocket(s.port())) {
                in.joinGroup(new InetSocketAddress(InetAddress.getByName(s.group()), 0), null);
                in.setSoTimeout(500);
                byte[] probe = "probe".getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < 3; i++) {
                    send(s, probe);
                    try {
                        in.receive(new DatagramPacket(new byte[16], 16));
                        return true;
                    } catch (SocketTimeoutException e) {
                        // try again
                    }
                }
                return false;
            }
        } catch (IOException e) {
            return false;
        }
    }
}
