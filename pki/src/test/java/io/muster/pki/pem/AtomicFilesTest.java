package io.muster.pki.pem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesContentAndSetsExactModes() throws Exception {
        Path file = dir.resolve("state");
        AtomicFiles.write(file, "one".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(file, "two".getBytes(StandardCharsets.UTF_8));
        assertEquals("two", Files.readString(file));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        AtomicFiles.writeSecret(file, "three".getBytes(StandardCharsets.UTF_8));
        assertEquals("three", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void worksWithRelativePaths() throws Exception {
        Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("relative.txt"));
        AtomicFiles.writeSecret(relative, new byte[] {1, 2, 3});
        assertEquals(3, Files.size(dir.resolve("relative.txt")));
    }
}
