package io.muster.server.acl;

/**
 * What an API endpoint needs. Every route is classified into exactly one permission in the API's access
 * table; the policies grant permissions. {@link #read} marks permissions that only read state and show no
 * secret: the ones a read-only token may use.
 */
public enum Permission {
    /** No token needed: health, ACL bootstrap (guarded by "only once"), the static dashboard files. */
    PUBLIC("public", true),
    /** Create, list and revoke ACL tokens. Even listing is admin: it tells who can do what. */
    ACL_ADMIN("acl:admin", false),
    /** List worker join tokens (ids, uses, expiry: never the token itself). */
    TOKEN_READ("token:read", true),
    /** Mint a worker join token: whoever holds one can add a worker to the cluster. */
    TOKEN_CREATE("token:create", false),
    TOKEN_REVOKE("token:revoke", false),
    NODE_READ("node:read", true),
    /** Drain and eligibility: moves work around, does not change who is in the cluster. */
    NODE_WRITE("node:write", false),
    /** Revoking a node cuts a worker out of the cluster for good. */
    NODE_REVOKE("node:revoke", false),
    JOB_READ("job:read", true),
    JOB_WRITE("job:write", false),
    CLUSTER_READ("cluster:read", true),
    /** Raft membership, leadership transfer, forced snapshots. */
    CLUSTER_ADMIN("cluster:admin", false),
    RAFT_READ("raft:read", true),
    KV_READ("kv:read", true),
    /** Names, versions, sizes and times of secrets: never a value. */
    SECRET_LIST("secret:list", true),
    /** A secret's value: management only (not a {@link #read} permission, so read-only and operator lack it). */
    SECRET_READ("secret:read", false),
    /** Put and delete secrets: a writer cannot read a value back through the API. */
    SECRET_WRITE("secret:write", false),
    KV_WRITE("kv:write", false),
    /** This server's metrics in the Prometheus text format (counts and timings, no secret); public with {@code metrics: {public: true}}. */
    METRICS_READ("metrics:read", true),
    /** A {@code /v1} route missing from the access table: management only (default deny). */
    UNCLASSIFIED("unclassified", false);

    private final String label;
    private final boolean read;

    Permission(String label, boolean read) {
        this.label = label;
        this.read = read;
    }

    public boolean read() {
        return read;
    }

    /** The name in error messages and docs, e.g. {@code node:write}. */
    @Override
    public String toString() {
        return label;
    }
}
