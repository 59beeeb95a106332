package io.muster.worker.driver.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroup file systems mounted on this machine, read from {@code /proc/self/mounts}.
 *
 * @param unified the cgroup2 mount, if any (on a hybrid system it may hold no controller that matters)
 * @param v1 the legacy hierarchies, each with the controllers bound to it (e.g. {@code cpu,cpuacct})
 */
public record CgroupMounts(Optional<Path> unified, List<V1Hierarchy> v1) {

    /** One cgroup v1 hierarchy: where it is mounted and which controllers it carries. */
    public record V1Hierarchy(Path mountPoint, Set<String> controllers) {
        public V1Hierarchy {
            controllers = Set.copyOf(controllers);
        }
    }

    public CgroupMounts {
        v1 = List.copyOf(v1);
    }

    /** Parses the {@code /proc/self/mounts} format: device, mount point, type, options, dump, pass. */
    public static CgroupMounts parse(List<String> lines) {
        Path unified = null;
        List<V1Hierarchy> v1 = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) continue;
            Path mountPoint = Path.of(unescape(f[1]));
            if (f[2].equals("cgroup2")) {
                // With several cgroup2 mounts, the one at /sys/fs/cgroup (or the first) is the system's.
                if (unified == null || mountPoint.equals(Path.of("/sys/fs/cgroup"))) unified = mountPoint;
            } else if (f[2].equals("cgroup")) {
                Set<String> controllers = new java.util.TreeSet<>();
                for (String option : f[3].split(",")) {
                    if (Cgroups.V1_CONTROLLERS.contains(option)) controllers.add(option);
                }
                if (!controllers.isEmpty()) v1.add(new V1Hierarchy(mountPoint, controllers));
            }
        }
        return new CgroupMounts(Optional.ofNullable(unified), v1);
    }

    /** The v1 hierarchy that carries {@code controller}. */
    public Optional<Path> v1Mount(String controller) {
        return v1.stream().filter(h -> h.controllers().contains(controller)).map(V1Hierarchy::mountPoint).findFirst();
    }

    /** Mount points escape space, tab, newline and backslash as octal ({@code \040}). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
