package io.muster.worker.identity;

import io.muster.proto.BackendInfo;
import io.muster.proto.NodeProfile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What this machine offers, as sent in {@code RegisterRequest.profile}. */
public final class NodeProfiles {
    private NodeProfiles() {}

    /**
     * @param drivers names of the drivers whose probe said usable
     * @param cpuMhzPerCore schedulable CPU units per core (cpu_mhz = cores x this)
     */
    public static NodeProfile detect(Map<String, String> labels, String version, List<String> drivers, int cpuMhzPerCore) {
        return detect(labels, version, drivers, cpuMhzPerCore, List.of());
    }

    /** @param backends the action backends enabled on this worker (name and actions) */
    public static NodeProfile detect(Map<String, String> labels, String version, List<String> drivers, int cpuMhzPerCore,
                                     List<BackendInfo> backends) {
        int cores = Runtime.getRuntime().availableProcessors();
        return NodeProfile.newBuilder()
                .setOs(os())
                .setArch(arch())
                .putAllLabels(labels)
                .setCpuCores(cores)
                .setCpuMhz((long) cores * cpuMhzPerCore)
                .setMemoryMb(totalMemoryBytes() >> 20)
                .setVersion(version)
                .addAllDrivers(drivers)
                .addAllBackends(backends)
                .setHostname(hostname())
                .build();
    }

    static String os() {
        String name = System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT);
        if (name.startsWith("windows")) {
            return "windows";
        }
        if (name.startsWith("mac")) {
            return "darwin";
        }
        return name.replace(' ', '-');
    }

    /** Go-style names (amd64, arm64), which is how operators write constraints. */
    static String arch() {
        String arch = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> arch;
        };
    }

    /** Physical (or container-limited) memory; the JVM's own heap size is irrelevant here. */
    static long totalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** The kernel's host name first: InetAddress.getLocalHost() may block on DNS. */
    public static String hostname() {
        for (Path file : List.of(Path.of("/proc/sys/kernel/hostname"), Path.of("/etc/hostname"))) {
            try {
                String name = Files.readString(file).strip();
                if (!name.isEmpty()) {
                    return name;
                }
            } catch (IOException | SecurityException e) {
                // try the next source
            }
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
