package io.muster.server.state;

import static io.muster.server.state.CommandApplier.fail;
import static io.muster.server.state.CommandApplier.ok;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.state.Records.JoinTokenRecord;
import java.util.Map;

/** Worker join tokens: created and revoked; their uses are counted by node registration. */
final class JoinTokenCommands {
    CommandResult createJoinToken(StateTx s, Command c) {
        var t = c.getCreateJoinToken();
        if (s.joinTokens.containsKey(t.getTokenId())) return fail("TOKEN_EXISTS", "token id " + t.getTokenId() + " already exists");
        s.joinTokens.put(t.getTokenId(), new JoinTokenRecord(t.getTokenId(), t.getExpiresUnixMs(), t.getMaxUses(), 0,
                Map.copyOf(t.getLabelsMap()), t.getCreatedUnixMs(), false, t.getDescription()));
        return ok();
    }

    CommandResult revokeJoinToken(StateTx s, Command c) {
        String id = c.getRevokeJoinToken().getTokenId();
        JoinTokenRecord t = s.joinTokens.get(id);
        if (t == null) return fail("TOKEN_NOT_FOUND", "no join token with id " + id);
        s.joinTokens.put(id, new JoinTokenRecord(t.id(), t.expiresAt(), t.maxUses(), t.uses(), t.labels(), t.createdAt(), true, t.description()));
        return ok();
    }

}
