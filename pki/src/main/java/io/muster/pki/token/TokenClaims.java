package io.muster.pki.token;

import io.muster.pki.Identity;
import io.muster.pki.SpkiPin;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a join token says. None of it is secret (anyone holding the token can {@link JoinTokens#decode read}
 * it); the secret is the MAC that makes it unforgeable.
 *
 * <p>Label semantics: an empty {@code allowedLabels} lets the joining worker declare any labels. A non-empty map
 * restricts the worker's labels to a subset of these exact key=value pairs, so a token minted for {@code zone=eu-1}
 * cannot enrol a worker that claims {@code zone=us-1} or an extra {@code gpu=true}.
 *
 * <p>Times have one-second resolution (they travel as epoch seconds); the constructor truncates.
 *
 * @param version token format version, currently always {@link #CURRENT_VERSION}
 * @param tokenId public identifier of the token ({@code [a-z0-9]{6}}), for audit logs and revocation
 * @param caPin SHA-256 of the cluster CA's SubjectPublicKeyInfo, so the worker can authenticate the server
 */
public record TokenClaims(int version, String clusterId, String tokenId, Instant issuedAt, Instant expiresAt,
                          Map<String, String> allowedLabels, SpkiPin caPin) {
    public static final int CURRENT_VERSION = 1;
    public static final int MAX_LABELS = 64;
    public static final Pattern TOKEN_ID = Pattern.compile("[a-z0-9]{6}");
    /** Label keys and values: a Kubernetes-like ASCII subset, so they survive shells, URLs and {@code k=v} lists. */
    public static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9._/-]{1,63}");
    public static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9._/-]{0,63}");

    // Validation messages deliberately do not quote values: they can surface while decoding an untrusted token.
    public TokenClaims {
        if (version != CURRENT_VERSION) {
            throw new IllegalArgumentException("token version must be " + CURRENT_VERSION);
        }
        Identity.requireClusterId(clusterId);
        if (tokenId == null || !TOKEN_ID.matcher(tokenId).matches()) {
            throw new IllegalArgumentException("token id must be 6 characters of [a-z0-9]");
        }
        issuedAt = Objects.requireNonNull(issuedAt, "issuedAt").truncatedTo(ChronoUnit.SECONDS);
        expiresAt = Objects.requireNonNull(expiresAt, "expiresAt").truncatedTo(ChronoUnit.SECONDS);
        if (!expiresAt.isAfter(issuedAt)) {
            throw new IllegalArgumentException("token must expire after it is issued");
        }
        Objects.requireNonNull(allowedLabels, "allowedLabels");
        if (allowedLabels.size() > MAX_LABELS) {
            throw new IllegalArgumentException("a token may allow at most " + MAX_LABELS + " labels");
        }
        SortedMap<String, String> labels = new TreeMap<>();
        allowedLabels.forEach((key, value) -> {
            if (key == null || !LABEL_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("label keys must be 1-63 characters of [A-Za-z0-9._/-]");
            }
            if (value == null || !LABEL_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException("label values must be 0-63 characters of [A-Za-z0-9._/-]");
            }
            labels.put(key, value);
        });
        // Sorted, so the binary encoding is canonical.
        allowedLabels = Collections.unmodifiableSortedMap(labels);
        Objects.requireNonNull(caPin, "caPin");
    }

    /** Claims for a new token with a random id, valid from {@code now} for {@code ttl}. */
    public static TokenClaims create(String clusterId, Instant now, Duration ttl, Map<String, String> allowedLabels,
                                     SpkiPin caPin) {
        return new TokenClaims(CURRENT_VERSION, clusterId, JoinTokens.newTokenId(), now, now.plus(ttl),
                allowedLabels, caPin);
    }

    /**
     * The first of the worker's labels (in key order) this token does not allow, as {@code key=value}, or empty if
     * all are allowed. Always empty when {@link #allowedLabels()} is empty.
     */
    public Optional<String> disallowedLabel(Map<String, String> workerLabels) {
        if (allowedLabels.isEmpty()) {
            return Optional.empty();
        }
        for (var label : new TreeMap<>(workerLabels).entrySet()) {
            if (!Objects.equals(allowedLabels.get(label.getKey()), label.getValue())) {
                return Optional.of(label.getKey() + "=" + label.getValue());
            }
        }
        return Optional.empty();
    }
}
