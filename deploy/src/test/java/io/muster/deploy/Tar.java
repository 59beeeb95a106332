package io.muster.deploy;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads a .tar.gz as the release ships it (ustar headers, POSIX pax records for long names), keeping each entry's
 * name, type, mode and content, so the test sees exactly what {@code tar xzf} would unpack.
 */
final class Tar {
    record Entry(String name, char type, int mode, byte[] content) {
        boolean isDirectory() {
            return type == '5';
        }

        boolean isFile() {
            return type == '0' || type == '\0';
        }
    }

    private Tar() {}

    static List<Entry> read(Path tarGz) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(tarGz), 1 << 16))) {
            byte[] header = new byte[512];
            Map<String, String> pax = Map.of();
            String longName = null;
            while (true) {
                try {
                    in.readFully(header);
                } catch (EOFException e) {
                    break;
                }
                if (allZero(header)) break;
                String name = string(header, 0, 100);
                int mode = (int) octal(header, 100, 8);
                long size = octal(header, 124, 12);
                char type = (char) header[156];
                String prefix = string(header, 345, 155);
                if (!prefix.isEmpty()) name = prefix + "/" + name;
                byte[] content = readPadded(in, size);
                switch (type) {
                    case 'x' -> { // pax extended header for the next entry
                        pax = parsePax(content);
                        continue;
                    }
                    case 'g' -> {
                        continue;
                    }
                    case 'L' -> { // GNU long name for the next entry
                        longName = new String(content, StandardCharsets.UTF_8).replace("\0", "");
                        continue;
                    }
                    default -> {
                    }
                }
                if (pax.containsKey("path")) name = pax.get("path");
                if (longName != null) name = longName;
                out.add(new Entry(name, type, mode, content));
                pax = Map.of();
                longName = null;
            }
        }
        return out;
    }

    private static byte[] readPadded(InputStream in, long size) throws IOException {
        if (size > Integer.MAX_VALUE) throw new IOException("entry too large for this test reader: " + size);
        byte[] data = in.readNBytes((int) size);
        if (data.length != size) throw new EOFException("truncated archive");
        long pad = (512 - size % 512) % 512;
        in.skipNBytes(pad);
        return data;
    }

    private static Map<String, String> parsePax(byte[] content) {
        Map<String, String> out = new LinkedHashMap<>();
        String s = new String(content, StandardCharsets.UTF_8);
        int i = 0;
        while (i < s.length()) {
            int sp = s.indexOf(' ', i);
            int len = Integer.parseInt(s.substring(i, sp));
            String record = new String(content, i, len, StandardCharsets.UTF_8);
            String kv = record.substring(record.indexOf(' ') + 1, record.length() - 1);
            int eq = kv.indexOf('=');
            out.put(kv.substring(0, eq), kv.substring(eq + 1));
            i += len;
        }
        return out;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static String string(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) {
        String s = string(b, off, len).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }

    static String modeString(int mode) {
        return String.format("%04o", mode & 07777);
    }

    /** Writes the entries under {@code dir} as tar would, modes included. */
    static void unpack(Iterable<Entry> entries, Path dir) throws IOException {
        for (Entry e : entries) {
            Path p = dir.resolve(e.name()).normalize();
            if (!p.startsWith(dir)) throw new IOException("entry escapes the target directory: " + e.name());
            if (e.isDirectory()) {
                Files.createDirectories(p);
            } else if (e.isFile()) {
                Files.createDirectories(p.getParent());
                Files.write(p, e.content());
                Files.setPosixFilePermissions(p, permissions(e.mode()));
            } else {
                throw new IOException("unexpected entry type '" + e.type() + "' for " + e.name());
            }
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < 9; i++) if ((mode & (1 << (8 - i))) != 0) out.add(all[i]);
        return out;
    }
}
