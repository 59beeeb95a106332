package io.muster.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The container image's security settings, read from deploy/Dockerfile itself, so they are checked where no
 * Docker engine runs ({@link ReleaseImageTest} checks the built image where one does).
 */
class DockerfileTest {
    static final String DATA_DIR = "/var/lib/muster";

    record Instruction(String keyword, String args) {}

    /** Instructions in order: comment lines dropped, backslash continuations joined. */
    static List<Instruction> parse(String text) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && pending.isEmpty())) continue;
            if (t.endsWith("\\")) {
                pending.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            String joined = (pending + t).strip();
            pending.setLength(0);
            if (joined.isEmpty()) continue;
            String[] parts = joined.split("\\s+", 2);
            out.add(new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1].strip() : ""));
        }
        return out;
    }

    static int lastIndexOf(List<Instruction> ins, String keyword) {
        for (int i = ins.size() - 1; i >= 0; i--) if (ins.get(i).keyword().equals(keyword)) return i;
        return -1;
    }

    @Test
    void theImageRunsAsADedicatedNonRootUserInItsOwnDataDirectory() throws Exception {
        Path deploy = Path.of(ReleaseTarballTest.required("muster.repo"), "deploy");
        List<Instruction> ins = parse(Files.readString(deploy.resolve("Dockerfile")));

        int user = lastIndexOf(ins, "USER");
        assertTrue(user >= 0, "the Dockerfile sets no USER: containers run as root");
        String spec = ins.get(user).args();
        String uid = spec.split(":")[0];
        // Numeric, so that runtimes (and Kubernetes' runAsNonRoot) can tell it is not root without /etc/passwd.
        assertTrue(uid.matches("\\d+") && Integer.parseInt(uid) >= 1000, "USER " + spec + " must be a numeric uid >= 1000");
        assertTrue(lastIndexOf(ins, "RUN") < user, "every RUN comes before USER, so the last USER is what runs");

        int workdir = lastIndexOf(ins, "WORKDIR");
        assertTrue(workdir >= 0, "the Dockerfile sets no WORKDIR: processes start in /");
        assertEquals(DATA_DIR, ins.get(workdir).args());
        assertTrue(ins.stream().anyMatch(i -> i.keyword().equals("VOLUME") && i.args().contains("\"" + DATA_DIR + "\"")),
                "the data directory is the volume");
        // Owned by that user (set up as root, before USER), so that a new volume starts out writable for it.
        assertTrue(ins.subList(0, user).stream().anyMatch(i -> i.keyword().equals("RUN")
                && i.args().contains("chown " + spec + " " + DATA_DIR)), "no RUN chowns " + DATA_DIR + " to " + spec);
        assertFalse(ins.stream().anyMatch(i -> i.keyword().equals("USER") && i.args().matches("(root|0)(:.*)?")));

        // The base imported from the host (no --base) must have what that RUN uses.
        String buildImage = Files.readString(deploy.resolve("build-image.sh"));
        String tools = buildImage.substring(buildImage.indexOf("for t in "), buildImage.indexOf("; do", buildImage.indexOf("for t in ")));
        for (String tool : List.of("sh", "grep", "mkdir", "chown", "chmod")) {
            assertTrue((" " + tools.replace("\\", " ").replaceAll("\\s+", " ") + " ").contains(" " + tool + " "),
                    "build-image.sh's host base lacks " + tool);
        }
    }
}
