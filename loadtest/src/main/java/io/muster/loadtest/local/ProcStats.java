package io.muster.loadtest.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * CPU and resident memory of a process from {@code /proc/<pid>} (Linux only). CPU time is utime + stime in
 * clock ticks; the kernel's USER_HZ is 100 on every mainstream Linux build, which is what we assume.
 */
public final class ProcStats {
    static final double TICKS_PER_SECOND = 100.0;

    private final long pid;
    private final Path proc;
    private long lastTicks = -1;
    private long lastNanos;
    private double lastCpu;

    public ProcStats(long pid) {
        this(pid, Path.of("/proc"));
    }

    /** {@code proc}: where {@code <pid>/stat} lives ({@code /proc}; a directory of fake files in tests). */
    public ProcStats(long pid, Path proc) {
        this.pid = pid;
        this.proc = proc;
    }

    /** CPU time used so far (user + system), in seconds; empty if the process is gone. */
    public Optional<Double> cpuSeconds() {
        try {
            return Optional.of(ticks() / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private long ticks() throws IOException {
        String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"));
        // The command name may contain spaces: fields start after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }

    public long pid() {
        return pid;
    }

    /** CPU percent since the previous call (100 = one core) and RSS in MiB; empty if the process is gone. */
    public Optional<double[]> sample() {
        try {
            long ticks = ticks();
            long now = System.nanoTime();
            // Ticks are 10 ms: over less than half a second the rate is mostly rounding, so keep the last one.
            if (lastTicks < 0 || now - lastNanos >= 500_000_000L) {
                if (lastTicks >= 0) lastCpu = (ticks - lastTicks) / TICKS_PER_SECOND / ((now - lastNanos) / 1e9) * 100.0;
                lastTicks = ticks;
                lastNanos = now;
            }
            return Optional.of(new double[] {lastCpu, rssMb()});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private double rssMb() throws IOException {
        for (String line : Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
        return 0;
    }
}
