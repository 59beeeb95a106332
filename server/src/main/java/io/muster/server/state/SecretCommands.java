package io.muster.server.state;

import static io.muster.server.state.CommandApplier.fail;
import static io.muster.server.state.CommandApplier.ok;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.state.Records.SecretRecord;
import io.muster.types.job.SecretNames;
import java.util.regex.Pattern;

/**
 * Put and delete of secrets. The value arrives sealed (the proposer encrypted it before proposing), so apply only
 * checks the shape and stores the ciphertext: no key, no randomness, no clock here.
 */
final class SecretCommands {
    /** Names: what a job spec's {@code secrets: [{name: ...}]} accepts, and safe as a path segment and a label. */
    static final Pattern NAME = Pattern.compile(SecretNames.SYNTAX);
    /** 64 KiB of value, plus the sealing's version byte, nonce and tag. */
    static final int MAX_SEALED = SecretNames.MAX_VALUE_BYTES + 1 + 12 + 16;

    CommandResult put(StateTx s, Command c) {
        var p = c.getPutSecret();
        if (!NAME.matcher(p.getName()).matches())
            return fail("SECRET_MALFORMED", "name: '" + p.getName() + "' does not match " + SecretNames.SYNTAX);
        if (p.getKeyId() < 1) return fail("SECRET_MALFORMED", "key_id: a keyring key id (1 or more) is required");
        if (p.getSealed().size() < 1 + 12 + 16 || p.getSealed().size() > MAX_SEALED)
            return fail("SECRET_MALFORMED", "sealed: a sealed value of at most " + SecretNames.MAX_VALUE_BYTES + " bytes is required");
        if (p.getSize() > SecretNames.MAX_VALUE_BYTES) return fail("SECRET_TOO_LARGE", "value: at most " + SecretNames.MAX_VALUE_BYTES + " bytes");
        SecretRecord old = s.secrets.get(p.getName());
        if (old == null && s.secrets.size() >= SecretNames.MAX_SECRETS)
            return fail("SECRET_LIMIT", "the cluster holds " + SecretNames.MAX_SECRETS + " secrets already: delete some first");
        long version = old == null ? 1 : old.version() + 1;
        long created = old == null ? p.getPutUnixMs() : old.createdAt();
        s.secrets.put(p.getName(), new SecretRecord(p.getName(), version, p.getKeyId(), p.getSealed().toByteArray(), p.getSize(), created,
                p.getPutUnixMs()));
        return ok().toBuilder().setValue(Long.toString(version)).build();
    }

    CommandResult delete(StateTx s, Command c) {
        String name = c.getDeleteSecret().getName();
        if (s.secrets.get(name) == null) return fail("SECRET_NOT_FOUND", "no secret named " + name);
        s.secrets.remove(name);
        return ok().toBuilder().setValue(name).build();
    }
}
