package io.muster.server.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.Secrets;
import io.muster.proto.raft.AclBootstrap;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.CreateAclToken;
import io.muster.proto.raft.RevokeAclToken;
import io.muster.server.acl.AclPolicy;
import io.muster.server.state.Records.AclTokenRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CreateAclToken and RevokeAclToken applied to the state directly: every refusal is a result, the state unchanged. */
class AclCommandsTest {
    static final long NOW = 1_800_000_000_000L;

    final ClusterState state = new ClusterState();
    final CommandApplier applier = new CommandApplier(state);
    long index;

    CommandResult apply(Command.Builder c) {
        return applier.apply(c.setProposedUnixMs(NOW).build(), ++index, 1);
    }

    static String hash(String s) {
        return Secrets.sha256Hex(s);
    }

    CommandResult bootstrap() {
        return apply(Command.newBuilder().setAclBootstrap(AclBootstrap.newBuilder().setAccessorId("boot").setSecretSha256(hash("boot-secret"))));
    }

    static CreateAclToken.Builder token(String accessor, String policy) {
        return CreateAclToken.newBuilder().setAccessorId(accessor).setSecretSha256(hash(accessor + "-secret")).setPolicy(policy)
                .setDescription("for " + accessor).setCreatedUnixMs(NOW + 5);
    }

    CommandResult create(CreateAclToken.Builder t) {
        return apply(Command.newBuilder().setCreateAclToken(t));
    }

    CommandResult revoke(String accessor) {
        return apply(Command.newBuilder().setRevokeAclToken(RevokeAclToken.newBuilder().setAccessorId(accessor)));
    }

    void assertRejected(String code, CommandResult r, int tokensAfter) {
        assertFalse(r.getOk(), r.toString());
        assertEquals(code, r.getErrorCode(), r.toString());
        assertFalse(r.getError().isBlank());
        assertEquals(tokensAfter, state.aclTokens().size(), "a refused command changes nothing");
    }

    @Test
    void bootstrapTokenIsManagement() {
        assertTrue(bootstrap().getOk());
        AclTokenRecord t = state.aclToken("boot").orElseThrow();
        assertEquals(AclPolicy.MANAGEMENT, t.policy());
        assertEquals(NOW, t.createdAt());
        assertEquals("bootstrap token", t.description());
    }

    @Test
    void createAcceptsEveryPolicy() {
        bootstrap();
        for (AclPolicy p : AclPolicy.values()) {
            CommandResult r = create(token("a-" + p.wireName(), p.wireName()));
            assertTrue(r.getOk(), r.toString());
            assertEquals("a-" + p.wireName(), r.getValue());
            AclTokenRecord t = state.aclToken("a-" + p.wireName()).orElseThrow();
            assertEquals(p, t.policy());
            assertEquals("for a-" + p.wireName(), t.description());
            assertEquals(NOW + 5, t.createdAt(), "the proposer's time, not the applier's");
            assertEquals(t, state.aclTokenByHash(hash("a-" + p.wireName() + "-secret")).orElseThrow());
        }
        assertEquals("boot", state.aclTokens().getFirst().accessorId(), "oldest first");
        assertEquals(5, state.aclTokens().size());
    }

    @Test
    void createRejects() {
        assertRejected("ACL_NOT_BOOTSTRAPPED", create(token("early", "operator")), 0);
        bootstrap();
        assertTrue(create(token("op", "operator")).getOk());
        assertRejected("ACL_POLICY_UNKNOWN", create(token("x", "root")), 2);
        assertRejected("ACL_POLICY_UNKNOWN", create(token("x", "Management")), 2);
        assertRejected("ACL_POLICY_UNKNOWN", create(token("x", "")), 2);
        assertRejected("ACL_TOKEN_EXISTS", create(token("op", "read-only").setSecretSha256(hash("other"))), 2);
        assertRejected("ACL_TOKEN_EXISTS", create(token("y", "read-only").setSecretSha256(hash("op-secret"))), 2);
        assertRejected("ACL_TOKEN_EXISTS", create(token("y", "read-only").setSecretSha256(hash("boot-secret"))), 2);
        assertRejected("ACL_TOKEN_MALFORMED", create(token("", "operator")), 2);
        assertRejected("ACL_TOKEN_MALFORMED", create(token("z".repeat(65), "operator")), 2);
        assertRejected("ACL_TOKEN_MALFORMED", create(token("z", "operator").setSecretSha256("plaintext-secret")), 2);
        assertRejected("ACL_TOKEN_MALFORMED", create(token("z", "operator").setSecretSha256(hash("s").toUpperCase())), 2);
        assertRejected("ACL_TOKEN_MALFORMED", create(token("z", "operator").setDescription("d".repeat(257))), 2);
        assertEquals(AclPolicy.OPERATOR, state.aclToken("op").orElseThrow().policy(), "the existing token is untouched");
    }

    @Test
    void revokeRemovesTheTokenButNeverTheLastManagementToken() {
        bootstrap();
        assertRejected("ACL_LAST_MANAGEMENT_TOKEN", revoke("boot"), 1);
        assertTrue(create(token("ro", "read-only")).getOk());
        assertRejected("ACL_LAST_MANAGEMENT_TOKEN", revoke("boot"), 2);
        assertRejected("ACL_TOKEN_NOT_FOUND", revoke("nope"), 2);
        assertTrue(revoke("ro").getOk());
        assertTrue(state.aclTokenByHash(hash("ro-secret")).isEmpty(), "a revoked secret no longer authenticates");
        assertRejected("ACL_TOKEN_NOT_FOUND", revoke("ro"), 1);

        assertTrue(create(token("m2", "management")).getOk());
        assertTrue(revoke("boot").getOk(), "another management token remains");
        assertEquals(List.of("m2"), state.aclTokens().stream().map(AclTokenRecord::accessorId).toList());
        assertRejected("ACL_LAST_MANAGEMENT_TOKEN", revoke("m2"), 1);
        assertTrue(state.aclBootstrapped(), "bootstrap stays closed");
    }

    @Test
    void snapshotImageCarriesThePolicy() {
        bootstrap();
        create(token("prov", "node-provisioner"));
        ClusterState copy = new ClusterState();
        copy.restore(state.image());
        assertEquals(state.aclTokens(), copy.aclTokens());
        assertEquals(AclPolicy.NODE_PROVISIONER, copy.aclToken("prov").orElseThrow().policy());
    }

    @Test
    void recordsNeverPrintTheHash() {
        bootstrap();
        assertFalse(state.aclToken("boot").orElseThrow().toString().contains(hash("boot-secret")));
    }
}
