package io.muster.server.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for test servers, below the kernel's ephemeral range (Linux: 32768-60999). A port taken from the
 * ephemeral range (ServerSocket(0)) is free when asked for but can be taken by any outgoing connection before the test
 * server binds it; with servers that join over HTTP and talk Raft before the last one starts, that happened, and Ratis
 * ends the JVM when its port is taken. Ports handed out are remembered so one JVM never hands the same one twice.
 */
public final class Ports {
    private static final int LOW = 10_000;
    private static final int HIGH = 32_000;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private Ports() {}

    public static int free() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
            if (!GIVEN.add(port)) continue;
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                return port;
            } catch (IOException e) {
                // in use: try another
            }
        }
        throw new IllegalStateException("no free loopback port in " + LOW + "-" + HIGH + " after 500 tries");
    }
}
