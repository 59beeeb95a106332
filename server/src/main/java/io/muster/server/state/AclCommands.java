package io.muster.server.state;

import static io.muster.server.state.CommandApplier.fail;
import static io.muster.server.state.CommandApplier.ok;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.acl.AclPolicy;
import io.muster.server.state.Records.AclTokenRecord;
import java.util.regex.Pattern;

/**
 * The ACL token commands, applied like every other command: deterministic checks against the state, a
 * refusal is a failed result (never an exception), so every server ends in the same state.
 */
final class AclCommands {
    static final int MAX_ID_LENGTH = 64;
    static final int MAX_DESCRIPTION_LENGTH = 256;
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String BOOTSTRAP_DESCRIPTION = "bootstrap token";

    CommandResult bootstrap(StateTx s, Command c) {
        if (!s.aclTokens.isEmpty()) return fail("ACL_ALREADY_BOOTSTRAPPED", "ACLs were already bootstrapped for this cluster");
        var a = c.getAclBootstrap();
        s.aclTokens.put(a.getAccessorId(), new AclTokenRecord(a.getAccessorId(), a.getSecretSha256(), AclPolicy.MANAGEMENT,
                BOOTSTRAP_DESCRIPTION, c.getProposedUnixMs()));
        return ok().toBuilder().setValue(a.getAccessorId()).build();
    }

    CommandResult create(StateTx s, Command c) {
        var t = c.getCreateAclToken();
        // Before bootstrap no one can hold a management token; a token created then would also make bootstrap impossible.
        if (s.aclTokens.isEmpty()) return fail("ACL_NOT_BOOTSTRAPPED", "ACLs are not bootstrapped yet: run 'muster acl bootstrap' first");
        if (t.getAccessorId().isEmpty() || t.getAccessorId().length() > MAX_ID_LENGTH)
            return fail("ACL_TOKEN_MALFORMED", "accessor_id: 1 to " + MAX_ID_LENGTH + " characters are required");
        if (!SHA256_HEX.matcher(t.getSecretSha256()).matches())
            return fail("ACL_TOKEN_MALFORMED", "secret_sha256: a lower-case hex SHA-256 is required");
        if (t.getDescription().length() > MAX_DESCRIPTION_LENGTH)
            return fail("ACL_TOKEN_MALFORMED", "description: at most " + MAX_DESCRIPTION_LENGTH + " characters");
        var policy = AclPolicy.parse(t.getPolicy());
        if (policy.isEmpty()) return fail("ACL_POLICY_UNKNOWN", "policy: '" + t.getPolicy() + "' is not one of " + AclPolicy.names());
        if (s.aclTokens.containsKey(t.getAccessorId())) return fail("ACL_TOKEN_EXISTS", "ACL token " + t.getAccessorId() + " already exists");
        if (s.aclTokenByHash(t.getSecretSha256()).isPresent()) return fail("ACL_TOKEN_EXISTS", "an ACL token with this secret already exists");
        s.aclTokens.put(t.getAccessorId(), new AclTokenRecord(t.getAccessorId(), t.getSecretSha256(), policy.get(), t.getDescription(),
                t.getCreatedUnixMs()));
        return ok().toBuilder().setValue(t.getAccessorId()).build();
    }

    CommandResult revoke(StateTx s, Command c) {
        String id = c.getRevokeAclToken().getAccessorId();
        AclTokenRecord t = s.aclTokens.get(id);
        if (t == null) return fail("ACL_TOKEN_NOT_FOUND", "no ACL token with accessor id " + id);
        // Checked here, at apply time, so two concurrent revocations cannot both pass a check made earlier.
        if (t.policy() == AclPolicy.MANAGEMENT && s.aclTokens.values().stream().filter(x -> x.policy() == AclPolicy.MANAGEMENT).count() <= 1)
            return fail("ACL_LAST_MANAGEMENT_TOKEN", "ACL token " + id + " is the last management token: create another management token "
                    + "before revoking it, or the cluster's API would be locked out");
        s.aclTokens.remove(id);
        return ok().toBuilder().setValue(id).build();
    }
}
