package io.muster.worker.identity;

import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.pki.token.TokenException;
import io.muster.types.config.WorkerConfig;
import io.muster.worker.WorkerException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The join token and its (unauthenticated) claims. The token is a bearer secret: {@link #toString()} shows only
 * its id, and {@link #scrub} removes it from any text that might reach a log.
 */
public final class JoinToken {
    private static final long MAX_TOKEN_FILE_BYTES = 64 * 1024;

    private final String secret;
    private final TokenClaims claims;

    private JoinToken(String secret, TokenClaims claims) {
        this.secret = secret;
        this.claims = claims;
    }

    /**
     * The token from the configuration ({@code token}, else {@code token_file}), or empty if neither is set.
     *
     * @throws WorkerException if the file cannot be read or the token is not a valid Muster token
     */
    public static Optional<JoinToken> fromConfig(WorkerConfig config) {
        String text = config.token();
        String source = "the configured token";
        if ((text == null || text.isBlank()) && config.tokenFile() != null) {
            text = readFile(config.tokenFile());
            source = "token file " + config.tokenFile();
        }
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(parse(text.strip(), source));
    }

    public static JoinToken parse(String token, String source) {
        try {
            return new JoinToken(token, JoinTokens.decode(token));
        } catch (TokenException e) {
            // TokenException messages never contain the token text.
            throw new WorkerException(source + " is not a usable join token: " + e.getMessage());
        }
    }

    private static String readFile(Path file) {
        try {
            if (Files.size(file) > MAX_TOKEN_FILE_BYTES) {
                throw new WorkerException("token file " + file + " is too large to hold a join token");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new WorkerException("token file " + file + " does not exist");
        } catch (IOException e) {
            throw new WorkerException("cannot read token file " + file + ": " + e.getMessage());
        }
    }

    public TokenClaims claims() {
        return claims;
    }

    public String id() {
        return claims.tokenId();
    }

    /** The secret itself, for the RegisterRequest only. */
    String secret() {
        return secret;
    }

    /** {@code text} with every occurrence of the token replaced, for messages that quote what a server said. */
    public String scrub(String text) {
        return text == null ? null : text.replace(secret, "<join token " + id() + ">");
    }

    @Override
    public String toString() {
        return "JoinToken[" + id() + ", cluster " + claims.clusterId() + ", expires " + claims.expiresAt() + "]";
    }
}
