package io.muster.worker.alloc;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Names the server sends that end up in file paths under the alloc root: allocation ids (and the task keys built
 * from them and task names) become directory names that the worker creates, runs tasks in and deletes. A buggy or
 * hostile server must not steer those operations anywhere else, so ids are checked against a strict pattern
 * before any file is touched, and every path built from a key is checked to stay directly under the root.
 */
public final class AllocPaths {
    /**
     * Allocation and job ids. Servers generate UUIDs for allocations and {@code [a-z0-9][a-z0-9_-]{0,62}} job ids,
     * which all match; the first character rules out {@code .}, {@code ..}, hidden names and options.
     */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Task keys: an id, or {@code <id>.<task name>}; one file name (at most 255 bytes). */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private AllocPaths() {}

    public static boolean isSafeId(String id) {
        return id != null && ID.matcher(id).matches() && !id.equals(".") && !id.equals("..");
    }

    /** Why the worker must not run this assignment, or empty if its ids are safe to use in paths. */
    static Optional<String> problem(Assignment a) {
        if (!isSafeId(a.id())) {
            return Optional.of("refused: the allocation id is not a safe directory name (it must match " + ID.pattern()
                    + "); nothing was run or written");
        }
        if (!isSafeId(a.jobId())) {
            return Optional.of("refused: the job id " + printable(a.jobId()) + " is not a safe name (it must match "
                    + ID.pattern() + "); nothing was run or written");
        }
        return Optional.empty();
    }

    /**
     * The directory of task key {@code key}: {@code root/key}.
     *
     * @throws IllegalArgumentException if the key is not a plain name or the path would not be directly under root
     */
    public static Path taskDir(Path root, String key) {
        if (key == null || !KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            throw new IllegalArgumentException("task key " + printable(key) + " is not a safe directory name");
        }
        Path base = root.toAbsolutePath().normalize();
        Path dir = base.resolve(key).normalize();
        // Belt and braces: the pattern already excludes separators and dot names.
        if (!base.equals(dir.getParent())) {
            throw new IllegalArgumentException("task key " + printable(key) + " leaves " + base);
        }
        return dir;
    }

    /** A server-provided string fit for a log line or message: quoted, control characters escaped, shortened. */
    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("'");
        s.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append(s.codePointCount(0, s.length()) > 80 ? "...'" : "'").toString();
    }
}
