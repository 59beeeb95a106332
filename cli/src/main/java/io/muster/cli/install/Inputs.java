package io.muster.cli.install;

import io.muster.pki.token.TokenClaims;
import io.muster.types.config.HostPort;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Validation of install flags. Every message names the flag and the value at fault. */
final class Inputs {
    /**
     * Paths end up in unit files (ExecStart=, ReadWritePaths=) where spaces split arguments, {@code %} starts a
     * specifier and {@code $} a variable: accept only characters that mean the same everywhere.
     */
    private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9._/@+-]*");

    private Inputs() {}

    /** An absolute, normalized path without a trailing slash. */
    static String systemPath(String flag, String value) throws InstallException {
        if (value == null || value.isBlank()) throw new InstallException(flag + " is empty");
        if (!value.startsWith("/")) throw new InstallException(flag + " " + value + ": must be an absolute path");
        if (!SAFE_PATH.matcher(value).matches()) {
            throw new InstallException(flag + " " + value + ": only letters, digits and . _ / @ + - are allowed in the path (it goes into a systemd unit)");
        }
        String normalized = Path.of(value).normalize().toString();
        if (!normalized.equals(value) && !(normalized + "/").equals(value)) {
            throw new InstallException(flag + " " + value + ": write it without '.', '..' or doubled slashes (" + normalized + ")");
        }
        return normalized;
    }

    /**
     * Worker gRPC addresses of the servers: {@code host:port}, {@code [v6]:port} or {@code https://host:port} (the
     * worker always speaks TLS, so another scheme is a mistake worth reporting). Returned as written, trimmed.
     */
    static List<String> servers(List<String> values) throws InstallException {
        if (values == null || values.isEmpty()) throw new InstallException("--server is required: a server's worker gRPC address, e.g. 10.0.0.11:3670");
        List<String> out = new ArrayList<>();
        Map<HostPort, String> seen = new LinkedHashMap<>();
        for (String raw : values) {
            String v = raw.strip();
            if (v.endsWith("/")) v = v.substring(0, v.length() - 1);
            if (v.isEmpty()) throw new InstallException("--server: empty address");
            int scheme = v.indexOf("://");
            if (scheme >= 0 && !v.substring(0, scheme).equals("https")) {
                throw new InstallException("--server " + raw + ": workers connect with TLS; write host:port or https://host:port");
            }
            String hostPort = scheme >= 0 ? v.substring(scheme + 3) : v;
            if (hostPort.contains("/")) throw new InstallException("--server " + raw + ": an address has no path; write host:port");
            HostPort hp;
            try {
                hp = HostPort.parse(v);
            } catch (IllegalArgumentException e) {
                if (hostPort.indexOf(':') < 0) {
                    throw new InstallException("--server " + raw + ": needs a port, the server's worker gRPC port (3670 by default), e.g. " + hostPort + ":3670");
                }
                throw new InstallException("--server " + raw + ": " + e.getMessage());
            }
            String prev = seen.putIfAbsent(hp, raw);
            if (prev != null) throw new InstallException("--server " + raw + " is given twice (also as " + prev + ")");
            out.add(v);
        }
        return out;
    }

    /** {@code k=v} pairs (each flag value may hold several, comma-separated), sorted by key for a stable file. */
    static Map<String, String> labels(List<String> values) throws InstallException {
        Map<String, String> out = new TreeMap<>();
        if (values == null) return out;
        for (String item : values) {
            if (item.isBlank()) continue;
            int eq = item.indexOf('=');
            if (eq < 0) throw new InstallException("--labels " + item + ": expected key=value");
            String key = item.substring(0, eq).strip();
            String value = item.substring(eq + 1).strip();
            if (!TokenClaims.LABEL_KEY.matcher(key).matches()) {
                throw new InstallException("--labels " + item + ": label keys are 1-63 characters of A-Z a-z 0-9 . _ / -");
            }
            if (!TokenClaims.LABEL_VALUE.matcher(value).matches()) {
                throw new InstallException("--labels " + item + ": label values are 0-63 characters of A-Z a-z 0-9 . _ / -");
            }
            if (out.containsKey(key)) throw new InstallException("--labels: key '" + key + "' is given twice");
            out.put(key, value);
        }
        if (out.size() > TokenClaims.MAX_LABELS) throw new InstallException("--labels: at most " + TokenClaims.MAX_LABELS + " labels");
        return out;
    }

    /** A YAML double-quoted scalar (also valid JSON), so values like {@code yes}, {@code 1.0} or {@code ~} stay strings. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    /** Whether {@code child} is {@code parent} or inside it. */
    static boolean within(String child, String parent) {
        return Path.of(child).startsWith(Path.of(parent));
    }

    /** Shared system directories that a data directory must never be (install chmods it 0700, purge deletes it). */
    private static final java.util.Set<String> SHARED = java.util.Set.of("/usr/local", "/usr/lib", "/usr/share", "/var/lib",
            "/var/log", "/var/run", "/var/tmp", "/var/cache", "/var/spool", "/run/user");

    /**
     * Refuses a directory that is surely not Muster's alone (/, /var, /srv, /var/lib...): install narrows a data
     * directory to 0700 and --purge deletes it.
     */
    static void requireDedicated(String what, String dir) throws InstallException {
        if (Path.of(dir).getNameCount() < 2 || SHARED.contains(dir)) {
            throw new InstallException(what + " " + dir + " is a shared system directory; use a directory of Muster's own, e.g. "
                    + (dir.equals("/") ? "" : dir) + "/muster");
        }
    }
}
