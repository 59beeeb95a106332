package io.muster.worker.action;

import io.muster.types.job.ActionCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code file}: write a file ({@code path}, {@code content}, optional octal {@code mode} and {@code owner}
 * {@code user[:group]}), remove one, print its sha256. A write is atomic: the content goes to a temporary file next
 * to the target, gets its mode and owner, is synced, and replaces the target by rename, so readers see the old or
 * the new file, never half of one. A write that would change nothing (same content, and the same mode when one is
 * given, no owner given) leaves the file alone. The owner is set with {@code chown}, the one external program.
 */
final class FileBackend extends BuiltInBackend {

    static final Pattern MODE = Pattern.compile("0?[0-7]{3}");
    static final Pattern OWNER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\\$?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\\$?)?");

    FileBackend() {
        super(ActionCatalog.FILE);
    }

    @Override
    ActionResult perform(String action, Map<String, String> params, ActionContext ctx) {
        try {
            return switch (action) {
                case "write" -> write(params(action, params, "path", "content", "mode", "owner"), ctx);
                case "remove" -> remove(path(params(action, params, "path")), ctx);
                default -> checksum(path(params(action, params, "path")), ctx);
            };
        } catch (IOException e) {
            return ActionResult.failed("file " + action + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Path path(ActionParams p) {
        String raw = p.required("path");
        if (raw.indexOf('\0') >= 0 || !raw.startsWith("/")) {
            throw p.invalid("param 'path' = '" + ActionParams.printable(raw) + "' must be an absolute path");
        }
        Path path = Path.of(raw).normalize();
        if (path.getFileName() == null) {
            throw p.invalid("param 'path' = '" + ActionParams.printable(raw) + "' names no file");
        }
        return path;
    }

    private static ActionResult write(ActionParams p, ActionContext ctx) throws IOException {
        Path path = path(p);
        if (p.optional("content").isEmpty()) {
            throw p.invalid("param 'content' is required (it may be empty)");
        }
        byte[] content = p.optional("content").get().getBytes(StandardCharsets.UTF_8);
        Optional<Set<PosixFilePermission>> mode = p.optional("mode").map(m -> {
            if (!MODE.matcher(m).matches()) {
                throw p.invalid("param 'mode' = '" + ActionParams.printable(m) + "' is not an octal mode like 0644");
            }
            return permissions(Integer.parseInt(m, 8));
        });
        Optional<String> owner = p.optional("owner").map(o -> {
            if (!OWNER.matcher(o).matches()) {
                throw p.invalid("param 'owner' = '" + ActionParams.printable(o) + "' is not user or user:group");
            }
            return o;
        });
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return ActionResult.failed("file write: " + path + " is a directory");
        }
        Path dir = path.getParent();
        if (!Files.isDirectory(dir)) {
            return ActionResult.failed("file write: directory " + dir + " does not exist");
        }
        String digest = sha256(content);
        if (owner.isEmpty() && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && sha256(path).equals(digest)
                && (mode.isEmpty() || Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS).equals(mode.get()))) {
            ctx.print(path + " unchanged (sha256 " + digest + ")");
            return ActionResult.success(path + " unchanged");
        }
        Set<PosixFilePermission> perms = mode.orElseGet(() -> existingOr(path, permissions(0644)));
        Path tmp = dir.resolve("." + path.getFileName() + ".muster-" + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(content));
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, perms); // after creation: the umask does not apply
            if (owner.isPresent()) {
                CommandRunner.Result r = ctx.run(List.of("chown", owner.get(), tmp.toString()), Map.of());
                if (!r.ok()) {
                    return commandFailed("chown " + owner.get() + " " + path, r);
                }
            }
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                return ActionResult.failed("file write: cannot replace " + path + " atomically: " + e.getMessage());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        ctx.print("wrote " + content.length + " bytes to " + path + " (mode " + octal(perms)
                + owner.map(o -> ", owner " + o).orElse("") + ", sha256 " + digest + ")");
        return ActionResult.success("wrote " + path);
    }

    private static ActionResult remove(Path path, ActionContext ctx) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return ActionResult.failed("file remove: " + path + " is a directory");
        }
        boolean existed = Files.deleteIfExists(path);
        String what = existed ? "removed " + path : path + " did not exist";
        ctx.print(what);
        return ActionResult.success(what);
    }

    private static ActionResult checksum(Path path, ActionContext ctx) throws IOException {
        if (!Files.isRegularFile(path)) {
            return ActionResult.failed("file checksum: " + path + " is not a regular file");
        }
        String digest = sha256(path);
        ctx.print("sha256 " + digest + "  " + path);
        return ActionResult.success("sha256 " + digest);
    }

    private static Set<PosixFilePermission> existingOr(Path path, Set<PosixFilePermission> fallback) {
        try {
            return Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return fallback;
        }
    }

    /** Bit i of a mode is BITS[i]. */
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < BITS.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                out.add(BITS[bit]);
            }
        }
        return out;
    }

    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (int bit = 0; bit < BITS.length; bit++) {
            if (perms.contains(BITS[bit])) {
                mode |= 1 << bit;
            }
        }
        return String.format("%04o", mode);
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    static String sha256(Path path) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
