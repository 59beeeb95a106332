package io.muster.server.acl;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What an ACL token may do. The wire name (JSON, Raft commands, snapshots, the CLI) is {@link #wireName()};
 * the permissions each policy grants are fixed here and documented in docs/SECURITY.md.
 */
public enum AclPolicy {
    /** Everything, including ACL administration. The bootstrap token is one. */
    MANAGEMENT("management", EnumSet.allOf(Permission.class)),
    /**
     * Day-to-day operations: every read, drain/eligibility, job run/stop, secret put/delete. No ACL, join-token or
     * membership admin, and no secret value through the API.
     */
    OPERATOR("operator", with(reads(), Permission.NODE_WRITE, Permission.JOB_WRITE, Permission.SECRET_WRITE)),
    /** Every read that shows no secret. */
    READ_ONLY("read-only", reads()),
    /** Only mints bounded worker join tokens (see {@link JoinTokenLimits#PROVISIONER}); not even reads. */
    NODE_PROVISIONER("node-provisioner", EnumSet.of(Permission.PUBLIC, Permission.TOKEN_CREATE));

    private final String wireName;
    private final Set<Permission> granted;

    AclPolicy(String wireName, Set<Permission> granted) {
        this.wireName = wireName;
        this.granted = granted;
    }

    private static EnumSet<Permission> reads() {
        EnumSet<Permission> s = EnumSet.noneOf(Permission.class);
        for (Permission p : Permission.values()) if (p.read()) s.add(p);
        return s;
    }

    private static EnumSet<Permission> with(EnumSet<Permission> base, Permission... more) {
        base.addAll(Arrays.asList(more));
        return base;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    public boolean allows(Permission p) {
        return granted.contains(p);
    }

    /** Bounds on the join tokens this policy may mint, when it may mint only bounded ones. */
    public Optional<JoinTokenLimits> joinTokenLimits() {
        return this == NODE_PROVISIONER ? Optional.of(JoinTokenLimits.PROVISIONER) : Optional.empty();
    }

    public static Optional<AclPolicy> parse(String wireName) {
        for (AclPolicy p : values()) if (p.wireName.equals(wireName)) return Optional.of(p);
        return Optional.empty();
    }

    /** For snapshots: an unknown name fails the read rather than guessing what the token may do. */
    @JsonCreator
    static AclPolicy fromJson(String wireName) {
        return parse(wireName).orElseThrow(() -> new IllegalArgumentException("unknown ACL policy '" + wireName + "'"));
    }

    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(AclPolicy::wireName).toList());
    }

    @Override
    public String toString() {
        return wireName;
    }
}
