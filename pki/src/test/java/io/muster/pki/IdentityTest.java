package io.muster.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityTest {
    @Test
    void formatsAndParsesUris() {
        Identity node = Identity.node("prod-eu", 9_000_000_000L);
        assertEquals("muster://prod-eu/node/9000000000", node.toUri());
        assertEquals(node, Identity.parseUri(node.toUri()));
        assertEquals(9_000_000_000L, node.nodeId());

        Identity server = Identity.server("c.1", "raft-2");
        assertEquals("muster://c.1/server/raft-2", server.toUri());
        assertEquals(server, Identity.parseUri(server.toUri()));
        assertThrows(IllegalStateException.class, server::nodeId);
    }

    @Test
    void refusesNonCanonicalOrForeignUris() {
        for (String uri : List.of("https://prod-eu/node/1", "muster://prod-eu/node/01", "muster://prod-eu/node/+1",
                "muster://prod-eu/node/-1", "muster://prod-eu/node/x", "muster://prod-eu/node/1/extra",
                "muster://prod-eu/worker/1", "muster://prod-eu:443/node/1", "muster:///node/1",
                "muster://prod-eu/server/", "muster://prod-eu/node/99999999999999999999", "muster://prod eu/node/1")) {
            assertThrows(IllegalArgumentException.class, () -> Identity.parseUri(uri), uri);
        }
    }
}
