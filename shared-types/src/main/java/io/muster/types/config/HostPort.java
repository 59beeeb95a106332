package io.muster.types.config;

import java.net.InetSocketAddress;

/** A {@code host:port} address as written in configuration (IPv6 hosts in brackets). */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host is empty");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is outside 1-65535");
    }

    /** Parses {@code host:port}, {@code [v6]:port}, and tolerates an {@code http(s)://} prefix. */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("address is empty");
        String s = text.trim();
        int scheme = s.indexOf("://");
        if (scheme >= 0) s = s.substring(scheme + 3);
        if (s.endsWith("/")) s = s.substring(0, s.length() - 1);
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':')
                throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) throw new IllegalArgumentException("'" + text + "' is not host:port");
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        if (!host.matches("[A-Za-z0-9.\\-_:%]+")) throw new IllegalArgumentException("'" + text + "' has an invalid host");
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a port that is not a number");
        }
        if (p < 1 || p > 65535) throw new IllegalArgumentException("'" + text + "' has port " + p + " outside 1-65535");
        return new HostPort(host, p);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
