package io.muster.server.grpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ServiceDescriptor;
import io.muster.proto.client.v1.ClusterServiceGrpc;
import io.muster.proto.client.v1.JobServiceGrpc;
import io.muster.proto.client.v1.NodeServiceGrpc;
import io.muster.server.acl.AclPolicy;
import io.muster.server.acl.Permission;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every client API method has its permission, and each policy may call exactly the methods its permissions allow. */
class ClientMethodsTest {
    private static final List<ServiceDescriptor> SERVICES = List.of(JobServiceGrpc.getServiceDescriptor(),
            NodeServiceGrpc.getServiceDescriptor(), ClusterServiceGrpc.getServiceDescriptor());

    @Test
    void everyMethodIsClassified() {
        List<String> missing = new ArrayList<>();
        for (ServiceDescriptor s : SERVICES)
            for (var m : s.getMethods()) if (ClientMethods.permission(m.getFullMethodName()) == Permission.UNCLASSIFIED) missing.add(m.getFullMethodName());
        assertEquals(List.of(), missing);
        assertEquals(Permission.UNCLASSIFIED, ClientMethods.permission("muster.client.v1.JobService/Unknown"), "default deny");
        assertEquals(Permission.PUBLIC, ClientMethods.permission("grpc.health.v1.Health/Check"));
    }

    @Test
    void readOnlyReadsAndWritesNothing() {
        for (ServiceDescriptor s : SERVICES)
            for (var m : s.getMethods()) {
                Permission p = ClientMethods.permission(m.getFullMethodName());
                boolean write = m.getFullMethodName().matches(".*/(Submit|Run|Stop|Cancel|Drain|Set).*");
                assertEquals(!write, AclPolicy.READ_ONLY.allows(p), m.getFullMethodName());
                assertTrue(AclPolicy.MANAGEMENT.allows(p), m.getFullMethodName());
            }
    }
}
