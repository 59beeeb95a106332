package io.muster.worker.action;

import io.muster.types.job.ActionCatalog;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sysinfo}: facts about the node, read from {@code /proc} and {@code /etc} (under {@code root}, which tests
 * point at a made-up tree): hostname, os ({@code /etc/os-release}), uptime ({@code /proc/uptime}), disk
 * ({@code path}, default {@code /}: total and free) and memory ({@code /proc/meminfo}: total and available).
 */
final class SysinfoBackend extends BuiltInBackend {

    private final Path root;

    SysinfoBackend(Path root) {
        super(ActionCatalog.SYSINFO);
        this.root = root;
    }

    @Override
    ActionResult perform(String action, Map<String, String> params, ActionContext ctx) {
        try {
            String line = switch (action) {
                case "hostname" -> {
                    params(action, params);
                    yield "hostname " + firstLine(List.of("proc/sys/kernel/hostname", "etc/hostname"));
                }
                case "os" -> {
                    params(action, params);
                    yield "os " + os();
                }
                case "uptime" -> {
                    params(action, params);
                    yield "up " + uptime();
                }
                case "disk" -> disk(params(action, params, "path"));
                default -> {
                    params(action, params);
                    yield memory();
                }
            };
            ctx.print(line);
            return ActionResult.success(line);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ActionParams.Invalid invalid) {
                throw invalid;
            }
            return ActionResult.failed("sysinfo " + action + ": " + e.getMessage());
        }
    }

    private String firstLine(List<String> files) throws IOException {
        for (String f : files) {
            Path p = root.resolve(f);
            if (Files.isReadable(p)) {
                String s = Files.readString(p).strip();
                if (!s.isEmpty()) {
                    return s.lines().findFirst().orElse(s);
                }
            }
        }
        throw new IOException("none of " + files + " under " + root + " is readable");
    }

    private String os() throws IOException {
        Map<String, String> release = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve("etc/os-release"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                release.put(line.substring(0, eq), line.substring(eq + 1).replaceAll("^\"|\"$", ""));
            }
        }
        String pretty = release.getOrDefault("PRETTY_NAME", release.getOrDefault("NAME", "unknown"));
        String id = release.getOrDefault("ID", "?") + " " + release.getOrDefault("VERSION_ID", "");
        return pretty + " (" + id.strip() + ")";
    }

    private String uptime() throws IOException {
        String first = Files.readString(root.resolve("proc/uptime")).strip().split("\\s+")[0];
        long secs = (long) Double.parseDouble(first);
        return String.format(Locale.ROOT, "%dd %dh %dm (%d s)", secs / 86400, secs % 86400 / 3600, secs % 3600 / 60, secs);
    }

    private static String disk(ActionParams p) throws IOException {
        String raw = p.optional("path").orElse("/");
        if (!raw.startsWith("/")) {
            throw p.invalid("param 'path' = '" + ActionParams.printable(raw) + "' must be an absolute path");
        }
        FileStore store = Files.getFileStore(Path.of(raw));
        return String.format(Locale.ROOT, "disk %s: %s free of %s", raw, size(store.getUsableSpace()), size(store.getTotalSpace()));
    }

    private String memory() throws IOException {
        Map<String, Long> kb = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve("proc/meminfo"))) {
            String[] parts = line.split("[:\\s]+");
            if (parts.length >= 2) {
                try {
                    kb.put(parts[0], Long.parseLong(parts[1]));
                } catch (NumberFormatException e) {
                    // not a number line
                }
            }
        }
        Long total = kb.get("MemTotal");
        Long available = kb.getOrDefault("MemAvailable", kb.get("MemFree"));
        if (total == null || available == null) {
            throw new IOException(root.resolve("proc/meminfo") + " has no MemTotal/MemAvailable");
        }
        return "memory: " + size(available * 1024) + " available of " + size(total * 1024);
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
