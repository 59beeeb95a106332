package io.muster.loadtest.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The whole machine's CPU (from /proc/stat; 100 = one core, so a 2-core machine tops out at 200) and used
 * memory (MemTotal - MemAvailable). On a shared machine this shows how much of it other work took.
 */
public final class MachineStats {
    private long lastBusy = -1;
    private long lastTotal;
    private double lastCpu;

    public Optional<double[]> sample() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) total += Long.parseLong(f[i]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            long busy = total - idle;
            // /proc/stat counts 10 ms ticks per core: wait for at least half a second of them.
            long minTicks = 50L * Runtime.getRuntime().availableProcessors();
            if (lastBusy < 0 || total - lastTotal >= minTicks) {
                if (lastBusy >= 0) lastCpu = 100.0 * Runtime.getRuntime().availableProcessors() * (busy - lastBusy) / (double) (total - lastTotal);
                lastBusy = busy;
                lastTotal = total;
            }
            double cpu = lastCpu;
            long memTotal = 0;
            long memAvail = 0;
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) memTotal = Long.parseLong(line.replaceAll("[^0-9]", ""));
                if (line.startsWith("MemAvailable:")) memAvail = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
            return Optional.of(new double[] {cpu, (memTotal - memAvail) / 1024.0});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The 1-minute load average, or -1 off Linux. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
