package io.muster.pki.pem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Crash-safe file replacement: write a temporary file in the target's directory, fsync it, then rename it over the
 * target. Readers see the old content or the new, never a torn file; a crash leaves at most a stray
 * {@code .<name>.*.tmp}.
 */
public final class AtomicFiles {
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {}

    /** Replaces {@code target} with {@code content}, mode 0644. */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, content, WORLD_READABLE, false);
    }

    /**
     * Replaces {@code target} with secret {@code content}, mode 0600. The temporary file is created with that mode
     * (not chmod-ed afterwards), so the secret is never readable by others, not even briefly. Refuses file systems
     * without POSIX permissions rather than writing a key it cannot protect.
     */
    public static void writeSecret(Path target, byte[] content) throws IOException {
        write(target, content, OWNER_ONLY, true);
    }

    private static void write(Path target, byte[] content, Set<PosixFilePermission> mode, boolean secret)
            throws IOException {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new NoSuchFileException(absolute.toString(), null, "cannot write file: its directory does not exist");
        }
        boolean posix = Files.getFileStore(directory).supportsFileAttributeView(PosixFileAttributeView.class);
        if (secret && !posix) {
            throw new FileSystemException(absolute.toString(), null,
                    "refusing to write a secret: the file system does not support POSIX permissions, so mode 0600 cannot be guaranteed");
        }
        String prefix = "." + absolute.getFileName() + ".";
        Path temporary = posix
                ? Files.createTempFile(directory, prefix, ".tmp", PosixFilePermissions.asFileAttribute(mode))
                : Files.createTempFile(directory, prefix, ".tmp");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            if (posix) {
                // The umask may have narrowed the creation mode; set it exactly (this never widens a secret's 0600).
                Files.setPosixFilePermissions(temporary, mode);
            }
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            syncDirectory(directory);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /** Makes the rename itself durable. Best effort: not every platform lets a directory be opened for fsync. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // The data itself is already synced; only the rename's durability across power loss is at stake.
        }
    }
}
