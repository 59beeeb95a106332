package io.muster.worker.alloc;

import java.util.Map;

/**
 * Where a runner gets the values of the secrets its allocation names: the server, over the worker's mTLS channel.
 * Values stay in memory (never in a state file); a restarted worker asks again.
 */
@FunctionalInterface
public interface SecretSource {
    /** A source for workers that cannot fetch (tests without a server): every fetch fails with that reason. */
    SecretSource UNAVAILABLE = allocId -> {
        throw new SecretFetchException("this worker has no connection to fetch secrets from");
    };

    /** Secret name → value, for every secret allocation {@code allocId}'s group names. */
    Map<String, byte[]> fetch(String allocId) throws SecretFetchException;

    /** A fetch that failed; its message names no value (there is none to name). */
    final class SecretFetchException extends Exception {
        public SecretFetchException(String message) {
            super(message);
        }
    }
}
