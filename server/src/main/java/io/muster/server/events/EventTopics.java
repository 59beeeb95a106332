package io.muster.server.events;

import io.muster.server.acl.AclPolicy;
import io.muster.server.acl.Permission;
import io.muster.server.service.ServiceException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Which topics a caller gets: the ones it asked for (names, comma-separated lists or {@code *}), each allowed by its
 * policy, or with none asked every topic its policy may read. The Node topic needs {@code node:read}, the others
 * {@code job:read}. Shared by the REST and gRPC adapters so both refuse alike.
 */
public final class EventTopics {
    private EventTopics() {}

    public static Permission permission(Topic t) {
        return t == Topic.NODE ? Permission.NODE_READ : Permission.JOB_READ;
    }

    /** @param policy the caller's policy; null in dev mode (no ACL) */
    public static Set<Topic> resolve(List<String> asked, AclPolicy policy) {
        Set<Topic> out = EnumSet.noneOf(Topic.class);
        boolean any = false;
        for (String v : asked) {
            for (String name : v.split(",")) {
                if (name.isBlank()) continue;
                any = true;
                Set<Topic> t = Topic.parse(name.strip()).orElseThrow(() -> new ServiceException(400, "BAD_REQUEST", "unknown topic '" + name.strip()
                        + "'; topics are " + String.join(", ", EnumSet.allOf(Topic.class).stream().map(Topic::wire).toList()) + " (or *)"));
                boolean wildcard = name.strip().equals("*");
                for (Topic x : t) {
                    if (policy == null || policy.allows(permission(x))) out.add(x);
                    else if (!wildcard) throw new ServiceException(403, "ACL_PERMISSION_DENIED", "policy " + policy + " does not allow "
                            + permission(x) + " (events of topic " + x.wire() + ")");
                }
            }
        }
        if (!any) for (Topic x : Topic.values()) if (policy == null || policy.allows(permission(x))) out.add(x);
        if (out.isEmpty()) throw new ServiceException(403, "ACL_PERMISSION_DENIED", "policy " + policy + " may read no event topic");
        return out;
    }
}
