package io.muster.worker.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Linux process facts from /proc, and process-group signalling. */
final class ProcFs {

    private static final Logger log = LoggerFactory.getLogger(ProcFs.class);
    private static final Path PROC = Path.of("/proc");

    /** The fields of /proc/PID/stat that the exec driver needs. */
    record Stat(long pid, char state, long pgrp, long session, long startTicks) {
        boolean zombieOrDead() {
            return state == 'Z' || state == 'X' || state == 'x';
        }
    }

    enum Signal { TERM, KILL }

    private ProcFs() {}

    static boolean available() {
        return Files.isReadable(PROC.resolve("self/stat"));
    }

    static Optional<Stat> stat(long pid) {
        try {
            return Optional.of(parse(pid, Files.readString(PROC.resolve(pid + "/stat"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Parses /proc/PID/stat; comm (field 2) may contain spaces and ')', so split after the last ')'. */
    static Stat parse(long pid, String line) {
        String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state): field N is at index N-3.
        return new Stat(pid, f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[19]));
    }

    /** A live (not zombie) process with this pid and boot-relative start time: same process, not a reused pid. */
    static boolean isSameLiveProcess(long pid, long startTicks) {
        return stat(pid).filter(s -> !s.zombieOrDead() && s.startTicks() == startTicks).isPresent();
    }

    /**
     * Signals every process of group {@code pgid}. Uses kill(1) with a negative pid, which the
     * kernel applies to the whole group at once; without kill(1), falls back to signalling each
     * member found in /proc. Refuses our own group, so a mistake cannot take the worker down.
     */
    static void signalGroup(long pgid, Signal signal, String killBinary) {
        long ownGroup = stat(ProcessHandle.current().pid()).map(Stat::pgrp).orElse(-1L);
        if (pgid <= 1 || pgid == ownGroup) {
            log.warn("refusing to signal process group {} (own group {})", pgid, ownGroup);
            return;
        }
        if (killBinary != null) {
            try {
                Process kill = new ProcessBuilder(killBinary, "-s", signal.name(), "--", "-" + pgid)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (kill.waitFor(5, TimeUnit.SECONDS)) {
                    return; // exit 1 = no such group: nothing left to signal
                }
                kill.destroyForcibly();
            } catch (IOException e) {
                log.warn("{} failed ({}); signalling group {} member by member", killBinary, e.toString(), pgid);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (long member : groupMembers(pgid)) {
            ProcessHandle.of(member).ifPresent(p -> {
                if (signal == Signal.KILL) {
                    p.destroyForcibly();
                } else {
                    p.destroy();
                }
            });
        }
    }

    static List<Long> groupMembers(long pgid) {
        try (Stream<Path> entries = Files.list(PROC)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .map(ProcFs::stat)
                    .flatMap(Optional::stream)
                    .filter(s -> s.pgrp() == pgid && !s.zombieOrDead())
                    .map(Stat::pid)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
