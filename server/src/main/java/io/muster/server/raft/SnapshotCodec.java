package io.muster.server.raft;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import io.muster.server.state.StateImage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Snapshot files: gzip'd Smile (binary JSON) of a {@link StateImage}. Written to a temporary file,
 * fsync'd, then renamed, so a crash never leaves a half-written snapshot under the real name. Mode
 * 0600: a snapshot holds the CA private keys.
 */
final class SnapshotCodec {
    private static final ObjectMapper SMILE = new ObjectMapper(new SmileFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private SnapshotCodec() {}

    static void write(StateImage image, Path target, Path tmpDir) throws IOException {
        Files.createDirectories(tmpDir);
        Path tmp = Files.createTempFile(tmpDir, "snapshot-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new GZIPOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16), 1 << 16);
                SMILE.writeValue(new NonClosing(out), image);
                out.flush();
                ((GZIPOutputStream) out).finish();
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static StateImage read(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            StateImage img = SMILE.readValue(in, StateImage.class);
            if (img.format() != StateImage.FORMAT) throw new IOException(file + ": snapshot format " + img.format() + " is not supported");
            return img;
        }
    }

    /** Lets Jackson write into a stream we still need to finish. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
