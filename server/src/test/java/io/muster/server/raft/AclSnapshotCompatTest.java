package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import io.muster.server.acl.AclPolicy;
import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.StateImage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots carry each token's policy; tokens from snapshots written before policies existed are management. */
class AclSnapshotCompatTest {
    private static final ObjectMapper SMILE = new ObjectMapper(new SmileFactory());

    static StateImage image(List<AclTokenRecord> tokens) {
        return new StateImage(StateImage.FORMAT, 1, 10, 1, null, List.of(), tokens, List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    @Test
    void policiesRoundTrip(@TempDir Path dir) throws Exception {
        List<AclTokenRecord> tokens = List.of(new AclTokenRecord("a", "h1", AclPolicy.MANAGEMENT, "bootstrap token", 1),
                new AclTokenRecord("b", "h2", AclPolicy.READ_ONLY, "dashboards", 2),
                new AclTokenRecord("c", "h3", AclPolicy.NODE_PROVISIONER, "", 3));
        SnapshotCodec.write(image(tokens), dir.resolve("snap"), dir.resolve("tmp"));
        assertEquals(tokens, SnapshotCodec.read(dir.resolve("snap")).aclTokens());
    }

    @Test
    void aTokenWithoutPolicyFromAnOldSnapshotIsManagement(@TempDir Path dir) throws Exception {
        // The old record was {accessorId, secretSha256, kind: "management", createdAt}.
        ObjectNode img = SMILE.valueToTree(image(List.of()));
        ArrayNode acl = img.putArray("aclTokens");
        acl.addObject().put("accessorId", "boot").put("secretSha256", "abc").put("kind", "management").put("createdAt", 7L);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("old")))) {
            SMILE.writeValue(out, img);
        }
        AclTokenRecord t = SnapshotCodec.read(dir.resolve("old")).aclTokens().getFirst();
        assertEquals(new AclTokenRecord("boot", "abc", AclPolicy.MANAGEMENT, "", 7), t);
    }
}
