package io.muster.server.state;

import io.muster.server.acl.AclPolicy;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import io.muster.types.state.OperationStatus;
import java.util.List;
import java.util.Map;

/** Immutable records of the replicated cluster state. Changed only by {@link CommandApplier}. */
public final class Records {
    private Records() {}

    /**
     * The cluster's identity: its id, the CA certificates, and the CA keys sealed under the cluster secret (only a
     * server holding the secret can open them; the log and snapshots never hold them in the clear).
     */
    public record ClusterIdentity(String clusterId, byte[] clusterCaCertDer, byte[] workerCaCertDer, byte[] sealedKeys,
                                  long createdAt) {
        @Override
        public String toString() {
            return "ClusterIdentity[" + clusterId + "]";
        }
    }

    public record ServerRecord(int id, String apiAddr, String workerGrpcAddr, String raftAddr, String version) {}

    /**
     * An API token: the secret only as its SHA-256 (hex). Snapshots written before policies existed hold no
     * policy (and a {@code kind} field, now ignored): every token then was the management token.
     */
    public record AclTokenRecord(String accessorId, String secretSha256, AclPolicy policy, String description, long createdAt) {
        public AclTokenRecord {
            if (policy == null) policy = AclPolicy.MANAGEMENT;
            if (description == null) description = "";
        }

        @Override
        public String toString() {
            return "AclTokenRecord[" + accessorId + ", " + policy + "]"; // never the hash
        }
    }

    public record JoinTokenRecord(String id, long expiresAt, int maxUses, int uses, Map<String, String> labels,
                                  long createdAt, boolean revoked, String description) {
        public boolean exhausted() {
            return maxUses > 0 && uses >= maxUses;
        }
    }

    /**
     * A worker node. {@code certSerial} is the serial of its current leaf and {@code previousCertSerial} the one it
     * replaced (the worker may still be swapping channels); no other serial is accepted for the node.
     */
    public record NodeRecord(long id, NodeStatus state, boolean eligible, String os, String arch, Map<String, String> labels,
                             int cpuCores, long cpuMhz, long memoryMb, List<String> drivers, String hostname, String version,
                             String tokenId, String publicKeySha256, long registeredAt, long stateChangedAt,
                             DrainState drain, long drainDeadline, String revokedReason, String certSerial, long certNotAfter,
                             String previousCertSerial, Map<String, List<String>> backends, boolean limitsEnforced,
                             String limitsDetail) {

        /** Longest {@code limitsDetail} kept (a worker's words, replicated for every node). */
        public static final int MAX_LIMITS_DETAIL = 200;

        public NodeRecord {
            // Snapshots written before nodes said how they enforce limits: none.
            limitsDetail = limitsDetail == null ? "" : limitsDetail.length() > MAX_LIMITS_DETAIL ? limitsDetail.substring(0, MAX_LIMITS_DETAIL) : limitsDetail;
            // Snapshots written before previous serials (or backends) were kept have no such field.
            if (previousCertSerial == null) previousCertSerial = "";
            if (drain == null) drain = DrainState.NONE;
            // Sorted by backend name whatever map came in (a snapshot read back, a test): one order for the digest.
            backends = backends == null ? Map.of() : java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(backends));
        }

        public NodeRecord withState(NodeStatus newState, long at) {
            return new NodeRecord(id, newState, eligible, os, arch, labels, cpuCores, cpuMhz, memoryMb, drivers, hostname, version,
                    tokenId, publicKeySha256, registeredAt, at, drain, drainDeadline, revokedReason, certSerial, certNotAfter, previousCertSerial, backends, limitsEnforced, limitsDetail);
        }

        public NodeRecord withEligible(boolean e) {
            return new NodeRecord(id, state, e, os, arch, labels, cpuCores, cpuMhz, memoryMb, drivers, hostname, version,
                    tokenId, publicKeySha256, registeredAt, stateChangedAt, drain, drainDeadline, revokedReason, certSerial, certNotAfter,
                    previousCertSerial, backends, limitsEnforced, limitsDetail);
        }

        public NodeRecord withDrain(DrainState d, long deadline) {
            return new NodeRecord(id, state, eligible, os, arch, labels, cpuCores, cpuMhz, memoryMb, drivers, hostname, version,
                    tokenId, publicKeySha256, registeredAt, stateChangedAt, d, deadline, revokedReason, certSerial, certNotAfter,
                    previousCertSerial, backends, limitsEnforced, limitsDetail);
        }

        public NodeRecord withRevoked(String reason, long at) {
            return new NodeRecord(id, NodeStatus.REVOKED, false, os, arch, labels, cpuCores, cpuMhz, memoryMb, drivers, hostname, version,
                    tokenId, publicKeySha256, registeredAt, at, drain, drainDeadline, reason, certSerial, certNotAfter, previousCertSerial, backends, limitsEnforced, limitsDetail);
        }

        /** A new current leaf; the one it replaces becomes the previous serial (recording the same serial again changes nothing). */
        public NodeRecord withCert(String serial, long notAfter) {
            String previous = serial.equals(certSerial) ? previousCertSerial : certSerial;
            return new NodeRecord(id, state, eligible, os, arch, labels, cpuCores, cpuMhz, memoryMb, drivers, hostname, version,
                    tokenId, publicKeySha256, registeredAt, stateChangedAt, drain, drainDeadline, revokedReason, serial, notAfter, previous, backends, limitsEnforced, limitsDetail);
        }

        /** True if {@code serialHex} is the node's current leaf or the one just rotated out. */
        public boolean acceptsSerial(String serialHex) {
            if (certSerial.isEmpty()) return true; // registered before serials were recorded: nothing to compare with
            return serialHex.equals(certSerial) || (!previousCertSerial.isEmpty() && serialHex.equals(previousCertSerial));
        }

        public NodeRecord withProfile(String os2, String arch2, Map<String, String> labels2, int cores, long mhz, long mem,
                                      List<String> drivers2, String host, String ver, Map<String, List<String>> backends2,
                                      boolean limitsEnforced2, String limitsDetail2) {
            return new NodeRecord(id, state, eligible, os2, arch2, labels2, cores, mhz, mem, drivers2, host, ver,
                    tokenId, publicKeySha256, registeredAt, stateChangedAt, drain, drainDeadline, revokedReason, certSerial, certNotAfter,
                    previousCertSerial, backends2, limitsEnforced2, limitsDetail2);
        }

        public boolean schedulable() {
            return state == NodeStatus.READY && eligible && drain == DrainState.NONE;
        }
    }

    public record GroupFailureRecord(String group, int unplaced, int nodesEvaluated, Map<String, Integer> filtered) {}

    /**
     * A job. {@code operation} is set for jobs of type operation only: where the operation is. An operation that ended
     * (complete, failed, cancelled) is also {@code stopped}, so garbage collection treats it like a stopped job.
     */
    public record JobRecord(String id, String type, String specJson, long version, long submittedAt, boolean stopped,
                            List<GroupFailureRecord> failures, long nextEvalAt, long modifyIndex, OperationRecord operation) {

        public JobRecord withPlanOutcome(List<GroupFailureRecord> f, long nextEval, long index) {
            return new JobRecord(id, type, specJson, version, submittedAt, stopped, f, nextEval, index, operation);
        }

        public JobRecord withStopped(long index) {
            return new JobRecord(id, type, specJson, version, submittedAt, true, failures, 0, index, operation);
        }

        public JobRecord withOperation(OperationRecord op, long index) {
            return new JobRecord(id, type, specJson, version, submittedAt, stopped || op.status().isTerminal(), failures, 0, index, op);
        }

        public boolean hasOperation() {
            return operation != null;
        }
    }

    /**
     * Where an operation job is. Everything else about it (which task ran where, with what result) is its allocations:
     * one per task attempt on a node.
     *
     * @param nodes    the target, resolved when the job was committed: node ids in ascending order
     * @param excluded nodes the target named that cannot run the operation, with the reason
     * @param step     the step the operation is in (the last one it was in once it ended)
     * @param reason   why it ended failed or cancelled; empty otherwise
     */
    public record OperationRecord(OperationStatus status, List<Long> nodes, List<ExcludedNode> excluded, long queuedAt, long startedAt,
                                  long endedAt, int step, String reason) {
        public OperationRecord {
            nodes = List.copyOf(nodes);
            excluded = excluded == null ? List.of() : List.copyOf(excluded);
            if (reason == null) reason = "";
        }

        public OperationRecord started(long at) {
            return new OperationRecord(OperationStatus.RUNNING, nodes, excluded, queuedAt, at, endedAt, step, reason);
        }

        public OperationRecord atStep(int s) {
            return new OperationRecord(status, nodes, excluded, queuedAt, startedAt, endedAt, s, reason);
        }

        public OperationRecord ended(OperationStatus s, long at, String why) {
            return new OperationRecord(s, nodes, excluded, queuedAt, startedAt, at, step, why);
        }
    }

    /** A node an operation's target named but cannot use. */
    public record ExcludedNode(long nodeId, String reason) {}

    public record AllocRecord(String id, String jobId, long jobVersion, String group, int index, long nodeId, int cpu,
                              int memoryMb, boolean desiredRun, String desiredReason, AllocStatus status, int exitCode,
                              String message, long startedAt, long finishedAt, int attempt, String previousAllocId,
                              long createIndex, long modifyIndex, String output, AllocEvents events) {

        public AllocRecord {
            if (output == null) output = ""; // only operation tasks report one
            if (events == null) events = AllocEvents.EMPTY; // snapshots written before events were kept
        }

        public AllocRecord withEvents(AllocEvents e, long idx) {
            if (e == events && idx == modifyIndex) return this; // a report without events: no second record per update
            return new AllocRecord(id, jobId, jobVersion, group, index, nodeId, cpu, memoryMb, desiredRun, desiredReason, status, exitCode,
                    message, startedAt, finishedAt, attempt, previousAllocId, createIndex, idx, output, e);
        }

        public AllocRecord withEvent(AllocEvents.Event e, long idx) {
            return withEvents(events.append(e), idx);
        }

        public boolean terminal() {
            return status.isTerminal();
        }

        /** Holds resources on its node: wanted running, or still running while being stopped. */
        public boolean holdsResources() {
            return (desiredRun && !terminal()) || status == AllocStatus.RUNNING;
        }

        public AllocRecord withDesiredStop(String reason, long idx) {
            return new AllocRecord(id, jobId, jobVersion, group, index, nodeId, cpu, memoryMb, false, reason, status, exitCode,
                    message, startedAt, finishedAt, attempt, previousAllocId, createIndex, idx, output, events);
        }

        public AllocRecord withClientStatus(AllocStatus s, int exit, String msg, long started, long finished, long idx) {
            return withClientStatus(s, exit, msg, started, finished, idx, output);
        }

        public AllocRecord withClientStatus(AllocStatus s, int exit, String msg, long started, long finished, long idx, String out) {
            return new AllocRecord(id, jobId, jobVersion, group, index, nodeId, cpu, memoryMb, desiredRun, desiredReason, s, exit,
                    msg, started, finished, attempt, previousAllocId, createIndex, idx, out, events);
        }
    }

    /** A small replicated key-value map: the smallest replicated write, used by tests and benchmarks. */
    public record KvEntry(String key, byte[] value, long index) {}

    /**
     * A secret: its value only sealed ({@code SecretKeyring}, under keyring key {@code keyId}), never in the clear.
     *
     * @param size      the plaintext's length in bytes
     * @param version   1 for the first put, +1 for each put after
     */
    public record SecretRecord(String name, long version, int keyId, byte[] sealed, int size, long createdAt, long updatedAt) {
        @Override
        public String toString() {
            return "SecretRecord[" + name + " v" + version + "]"; // never the ciphertext either
        }
    }
}
