package io.muster.types.job;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The action backends every Muster worker ships, with their actions. Workers advertise what they have enabled (a
 * plugin may add backends this catalogue does not know); the server accepts an action when this catalogue or a
 * node of the cluster offers it.
 */
public final class ActionCatalog {
    /** A backend: its actions, and whether it changes the system (then a worker runs it only when enabled). */
    public record Backend(String name, List<String> actions, boolean changesSystem) {
        public Backend {
            actions = List.copyOf(actions);
        }
    }

    public static final Backend PING = new Backend("ping", List.of("echo", "hostname", "sleep"), false);
    public static final Backend TEST = new Backend("test", List.of("succeed", "fail", "sleep", "output", "flaky"), false);
    public static final Backend SYSINFO = new Backend("sysinfo", List.of("hostname", "os", "uptime", "disk", "memory"), false);
    public static final Backend SYSTEMD = new Backend("systemd", List.of("start", "stop", "restart", "enable", "disable", "status"), true);
    public static final Backend APT = new Backend("apt", List.of("update", "install", "remove", "upgrade"), true);
    public static final Backend FILE = new Backend("file", List.of("write", "remove", "checksum"), true);

    private static final Map<String, Backend> BUILT_IN = byName(List.of(PING, TEST, SYSINFO, SYSTEMD, APT, FILE));

    private ActionCatalog() {}

    private static Map<String, Backend> byName(List<Backend> list) {
        Map<String, Backend> m = new TreeMap<>();
        list.forEach(b -> m.put(b.name(), b));
        return Map.copyOf(m);
    }

    /** The built-in backends by name. */
    public static Map<String, Backend> builtIn() {
        return new TreeMap<>(BUILT_IN);
    }

    public static Optional<Backend> find(String name) {
        return Optional.ofNullable(BUILT_IN.get(name));
    }

    /** The built-in backends that only read (run on every worker without being enabled). */
    public static Set<String> readOnly() {
        return Set.of(PING.name(), TEST.name(), SYSINFO.name());
    }
}
