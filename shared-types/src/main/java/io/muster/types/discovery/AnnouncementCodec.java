package io.muster.types.discovery;

import io.muster.types.config.HostPort;
import io.muster.types.discovery.Decoded.Reason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The announcement datagram, version 1: short ASCII lines, each ending in {@code \n}, in this order and no other:
 *
 * <pre>
 * MUSTER-ANNOUNCE 1
 * cluster=&lt;cluster id&gt;
 * server=&lt;server id&gt;
 * worker=&lt;host:port&gt;        (1 to 4 lines)
 * </pre>
 *
 * <p>Text rather than protobuf so that {@code tcpdump -A} shows an operator what is on the wire, and strict (fixed
 * order, no unknown lines, printable ASCII only, at most {@link #MAX_BYTES}) so that decoding anything a stranger
 * sends costs a bounded amount of work and memory. A later version changes the number on the first line; this build
 * drops versions it does not know instead of guessing.
 */
public final class AnnouncementCodec {
    public static final int VERSION = 1;
    /** Far below any LAN MTU, so an announcement is never fragmented; longer datagrams are dropped unread. */
    public static final int MAX_BYTES = 512;
    static final String MAGIC = "MUSTER-ANNOUNCE ";

    private AnnouncementCodec() {}

    /** @throws IllegalArgumentException if the announcement would not fit in {@link #MAX_BYTES} */
    public static byte[] encode(Announcement a) {
        StringBuilder sb = new StringBuilder(MAGIC).append(VERSION).append('\n')
                .append("cluster=").append(a.clusterId()).append('\n')
                .append("server=").append(a.serverId()).append('\n');
        for (HostPort addr : a.workerAddrs()) {
            sb.append("worker=").append(addr).append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("announcement is " + bytes.length + " bytes, more than " + MAX_BYTES);
        }
        return bytes;
    }

    /** Reads {@code length} bytes of {@code buf} from {@code offset}; never throws for any input. */
    public static Decoded decode(byte[] buf, int offset, int length) {
        if (length > MAX_BYTES) {
            return new Decoded.Dropped(Reason.OVERSIZED);
        }
        for (int i = offset; i < offset + length; i++) {
            int b = buf[i] & 0xff;
            if (b != '\n' && (b < 0x20 || b > 0x7e)) {
                return new Decoded.Dropped(looksLikeMuster(buf, offset, length) ? Reason.MALFORMED : Reason.NOT_MUSTER);
            }
        }
        String text = new String(buf, offset, length, StandardCharsets.US_ASCII);
        if (!text.startsWith(MAGIC)) {
            return new Decoded.Dropped(Reason.NOT_MUSTER);
        }
        if (!text.endsWith("\n")) {
            return new Decoded.Dropped(Reason.MALFORMED);
        }
        // Bounded: at most MAX_BYTES / 2 lines, since every line has at least one character and a newline.
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (!lines[0].equals(MAGIC + VERSION)) {
            return new Decoded.Dropped(lines[0].substring(MAGIC.length()).matches("[0-9]{1,9}")
                    ? Reason.UNKNOWN_VERSION : Reason.MALFORMED);
        }
        if (lines.length < 4 || lines.length > 3 + Announcement.MAX_ADDRS) {
            return new Decoded.Dropped(Reason.MALFORMED);
        }
        try {
            String cluster = value(lines[1], "cluster=");
            String server = value(lines[2], "server=");
            if (!server.matches("[1-9][0-9]{0,8}")) {
                return new Decoded.Dropped(Reason.MALFORMED);
            }
            List<HostPort> addrs = new ArrayList<>();
            for (int i = 3; i < lines.length; i++) {
                String wire = value(lines[i], "worker=");
                HostPort addr = HostPort.parse(wire);
                // HostPort.parse forgives what a human types (spaces, a scheme, a trailing slash); the wire form
                // does not: one announcement has exactly one encoding.
                if (!addr.toString().equals(wire)) {
                    return new Decoded.Dropped(Reason.MALFORMED);
                }
                addrs.add(addr);
            }
            return new Decoded.Accepted(new Announcement(cluster, Integer.parseInt(server), addrs));
        } catch (IllegalArgumentException e) {
            return new Decoded.Dropped(Reason.MALFORMED);
        }
    }

    public static Decoded decode(byte[] datagram) {
        return decode(datagram, 0, datagram.length);
    }

    private static String value(String line, String key) {
        if (!line.startsWith(key)) {
            throw new IllegalArgumentException("expected " + key);
        }
        return line.substring(key.length());
    }

    private static boolean looksLikeMuster(byte[] buf, int offset, int length) {
        byte[] magic = MAGIC.getBytes(StandardCharsets.US_ASCII);
        if (length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (buf[offset + i] != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
