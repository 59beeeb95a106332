package io.muster.cli.install;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.SpkiPin;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine;

/** Helpers shared by the install tests: tokens, a stub installation, running a command, snapshots of a tree. */
final class InstallFixture {
    private InstallFixture() {}

    /** The repository root (tests run with the cli module as working directory). */
    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("mvnw")))) p = p.getParent();
        assertTrue(p != null, "cannot find the repository root above " + Path.of("").toAbsolutePath());
        return p;
    }

    static String token(Duration validFor, Map<String, String> allowedLabels) {
        Instant now = Instant.now();
        TokenClaims claims = new TokenClaims(TokenClaims.CURRENT_VERSION, "test-cluster", JoinTokens.newTokenId(),
                now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(2)).plus(validFor), allowedLabels, SpkiPin.of(new byte[32]));
        return JoinTokens.encode(claims, JoinTokens.newKey());
    }

    static String validToken() {
        return token(Duration.ofHours(24), Map.of());
    }

    /** A token file as an operator would save it, readable by others (the copy must not be). */
    static Path tokenFile(Path dir, String token) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve("join.token");
        Files.writeString(f, token + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        return f;
    }

    /** An install prefix whose bin/muster exists and is executable (what systemd-analyze verify checks). */
    static Path stubPrefix(Path dir) throws IOException {
        Path prefix = dir.resolve("opt/muster");
        Files.createDirectories(prefix.resolve("bin"));
        Path bin = prefix.resolve("bin/muster");
        Files.writeString(bin, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        return prefix;
    }

    record Run(int exitCode, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static Run run(InstallCommandBase command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** systemctl as a recorder: every call is kept; is-active answers as told, everything else succeeds. */
    static final class FakeSystemd implements Systemd {
        final List<String> calls = new ArrayList<>();
        boolean running = true;
        boolean active;

        @Override
        public boolean running() {
            return running;
        }

        @Override
        public String pid1() {
            return running ? "systemd" : "bash";
        }

        @Override
        public Result systemctl(String... args) {
            calls.add(String.join(" ", args));
            if (args[0].equals("is-active")) return new Result(active ? 0 : 3, active ? "active" : "inactive");
            if (args[0].equals("enable")) active = true;
            if (args[0].equals("disable")) active = false;
            return new Result(0, "");
        }
    }

    /** Every path under {@code root} with its mode, size and mtime: equal snapshots mean nothing was touched. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root)) return out;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) out.put(root.relativize(dir) + "/", describe(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                out.put(root.relativize(file).toString(), describe(file) + " " + Files.readString(file).hashCode());
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static String describe(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))
                + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
    }

    /** Moves every mtime to a fixed past instant, so that a rewrite shows up even within the same second. */
    static void agePast(Path root) throws IOException {
        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        try (var paths = Files.walk(root)) {
            for (Path p : paths.toList()) Files.setLastModifiedTime(p, old);
        }
    }

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
