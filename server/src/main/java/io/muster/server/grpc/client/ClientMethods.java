package io.muster.server.grpc.client;

import io.muster.proto.client.v1.ClusterServiceGrpc;
import io.muster.proto.client.v1.JobServiceGrpc;
import io.muster.proto.client.v1.NodeServiceGrpc;
import io.muster.server.acl.Permission;
import java.util.Map;
import java.util.Set;

/**
 * THE access table of the client gRPC API: each method with the permission of the REST route it mirrors. A method not
 * listed needs {@link Permission#UNCLASSIFIED} (management only, default deny); a test checks every served method is here.
 */
final class ClientMethods {
    static final Map<String, Permission> PERMISSIONS = Map.ofEntries(
            Map.entry(JobServiceGrpc.getSubmitJobMethod().getFullMethodName(), Permission.JOB_WRITE),
            Map.entry(JobServiceGrpc.getRunCommandMethod().getFullMethodName(), Permission.JOB_WRITE),
            Map.entry(JobServiceGrpc.getGetJobMethod().getFullMethodName(), Permission.JOB_READ),
            Map.entry(JobServiceGrpc.getListJobsMethod().getFullMethodName(), Permission.JOB_READ),
            Map.entry(JobServiceGrpc.getStopJobMethod().getFullMethodName(), Permission.JOB_WRITE),
            Map.entry(JobServiceGrpc.getCancelJobMethod().getFullMethodName(), Permission.JOB_WRITE),
            Map.entry(JobServiceGrpc.getStreamLogsMethod().getFullMethodName(), Permission.JOB_READ),
            Map.entry(NodeServiceGrpc.getListNodesMethod().getFullMethodName(), Permission.NODE_READ),
            Map.entry(NodeServiceGrpc.getGetNodeMethod().getFullMethodName(), Permission.NODE_READ),
            Map.entry(NodeServiceGrpc.getDrainNodeMethod().getFullMethodName(), Permission.NODE_WRITE),
            Map.entry(NodeServiceGrpc.getSetNodeEligibilityMethod().getFullMethodName(), Permission.NODE_WRITE),
            Map.entry(ClusterServiceGrpc.getGetClusterStatusMethod().getFullMethodName(), Permission.CLUSTER_READ),
            Map.entry(ClusterServiceGrpc.getListRaftLogMethod().getFullMethodName(), Permission.RAFT_READ),
            // As GET /v1/events: job:read for the method, node:read also for the Node topic (checked per topic asked).
            Map.entry(io.muster.proto.client.v1.EventServiceGrpc.getSubscribeMethod().getFullMethodName(), Permission.JOB_READ));

    /**
     * Services anyone may call, as {@code GET /v1/health} is public: health, and reflection, which describes only the
     * published client.proto (the same text as the repository's).
     */
    static final Set<String> PUBLIC_SERVICES = Set.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");

    private ClientMethods() {}

    static Permission permission(String fullMethodName) {
        String service = fullMethodName.substring(0, Math.max(0, fullMethodName.indexOf('/')));
        if (PUBLIC_SERVICES.contains(service)) return Permission.PUBLIC;
        return PERMISSIONS.getOrDefault(fullMethodName, Permission.UNCLASSIFIED);
    }
}
