package io.muster.server.api;

import static io.muster.server.acl.Permission.ACL_ADMIN;
import static io.muster.server.acl.Permission.CLUSTER_ADMIN;
import static io.muster.server.acl.Permission.CLUSTER_READ;
import static io.muster.server.acl.Permission.JOB_READ;
import static io.muster.server.acl.Permission.JOB_WRITE;
import static io.muster.server.acl.Permission.KV_READ;
import static io.muster.server.acl.Permission.KV_WRITE;
import static io.muster.server.acl.Permission.METRICS_READ;
import static io.muster.server.acl.Permission.NODE_READ;
import static io.muster.server.acl.Permission.NODE_REVOKE;
import static io.muster.server.acl.Permission.NODE_WRITE;
import static io.muster.server.acl.Permission.PUBLIC;
import static io.muster.server.acl.Permission.RAFT_READ;
import static io.muster.server.acl.Permission.SECRET_LIST;
import static io.muster.server.acl.Permission.SECRET_READ;
import static io.muster.server.acl.Permission.SECRET_WRITE;
import static io.muster.server.acl.Permission.TOKEN_CREATE;
import static io.muster.server.acl.Permission.TOKEN_READ;
import static io.muster.server.acl.Permission.TOKEN_REVOKE;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;

import io.muster.server.acl.Permission;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * THE access table: every endpoint the API mounts, with the one permission it needs. A request that
 * matches no entry needs {@link Permission#UNCLASSIFIED}, which only management holds (default deny), and
 * {@link #unclassified} lists mounted routes missing here, so a test fails when an endpoint is added
 * without a permission. Keep it in the order of docs/SECURITY.md's table.
 */
final class AccessTable {
    /** {@code method} null: any method. Template segments starting with ':' match one path segment; a final '*' any rest. */
    record Rule(HttpMethod method, String template, Permission permission) {
        boolean matches(HttpMethod m, String path) {
            if (method != null && !method.equals(m)) return false;
            if (template.endsWith("*")) return path.startsWith(template.substring(0, template.length() - 1));
            String[] want = template.split("/", -1);
            String[] got = path.split("/", -1);
            if (want.length != got.length) return false;
            for (int i = 0; i < want.length; i++) {
                if (want[i].startsWith(":") ? got[i].isEmpty() : !want[i].equals(got[i])) return false;
            }
            return true;
        }
    }

    static final List<Rule> RULES = List.of(
            new Rule(GET, "/v1/health", PUBLIC),
            new Rule(POST, "/v1/acl/bootstrap", PUBLIC), // works once per cluster, before any token exists
            new Rule(POST, "/v1/acl/tokens", ACL_ADMIN),
            new Rule(GET, "/v1/acl/tokens", ACL_ADMIN),
            new Rule(DELETE, "/v1/acl/tokens/:accessor_id", ACL_ADMIN),
            new Rule(POST, "/v1/node/tokens", TOKEN_CREATE),
            new Rule(GET, "/v1/node/tokens", TOKEN_READ),
            new Rule(DELETE, "/v1/node/tokens/:id", TOKEN_REVOKE),
            new Rule(GET, "/v1/nodes", NODE_READ),
            new Rule(GET, "/v1/nodes/:id", NODE_READ),
            new Rule(POST, "/v1/nodes/:id/drain", NODE_WRITE),
            new Rule(POST, "/v1/nodes/:id/eligibility", NODE_WRITE),
            new Rule(POST, "/v1/nodes/:id/revoke", NODE_REVOKE),
            new Rule(GET, "/v1/jobs", JOB_READ),
            new Rule(GET, "/v1/jobs/:id", JOB_READ),
            new Rule(GET, "/v1/jobs/:id/logs", JOB_READ),
            new Rule(GET, "/v1/allocations/:id", JOB_READ),
            new Rule(GET, "/v1/allocations/:id/logs", JOB_READ),
            new Rule(POST, "/v1/jobs", JOB_WRITE),
            new Rule(POST, "/v1/jobs/oneshot", JOB_WRITE),
            new Rule(DELETE, "/v1/jobs/:id", JOB_WRITE),
            new Rule(POST, "/v1/jobs/:id/cancel", JOB_WRITE),
            // The event stream: job:read for the route; the Node topic also needs node:read (EventApi checks per topic).
            new Rule(GET, "/v1/events", JOB_READ),
            new Rule(GET, "/v1/cluster/status", CLUSTER_READ),
            // A joining server has no ACL token: it proves the cluster secret instead (ServerCertificateApi, before the guard).
            new Rule(POST, "/v1/cluster/server-certificate", PUBLIC),
            new Rule(POST, "/v1/cluster/transfer-leader", CLUSTER_ADMIN),
            new Rule(POST, "/v1/cluster/servers", CLUSTER_ADMIN),
            new Rule(DELETE, "/v1/cluster/servers/:id", CLUSTER_ADMIN),
            new Rule(POST, "/v1/raft/snapshot", CLUSTER_ADMIN),
            // Removes finished jobs, allocations, down nodes and used-up join tokens now: management only, as in Nomad.
            new Rule(POST, "/v1/system/gc", CLUSTER_ADMIN),
            new Rule(GET, "/v1/raft/log", RAFT_READ),
            new Rule(GET, "/v1/kv/:key", KV_READ),
            new Rule(PUT, "/v1/kv/:key", KV_WRITE),
            new Rule(GET, "/v1/secrets", SECRET_LIST),
            new Rule(GET, "/v1/secrets/:name", SECRET_READ), // the value: management only
            new Rule(PUT, "/v1/secrets/:name", SECRET_WRITE),
            new Rule(DELETE, "/v1/secrets/:name", SECRET_WRITE),
            // This server's own metrics; AclGuard lets anyone through when the config says metrics: {public: true}.
            new Rule(GET, "/v1/metrics", METRICS_READ),
            // The API's OpenAPI description: public, it describes the endpoints and reveals no state.
            new Rule(GET, "/v1/openapi.json", PUBLIC),
            // The dashboard: static files; the pages call the API above with the user's token.
            new Rule(GET, "/", PUBLIC),
            new Rule(null, "/ui/*", PUBLIC));

    private AccessTable() {}

    /** The permission a request needs; {@link Permission#UNCLASSIFIED} when no entry matches. */
    static Permission permission(HttpMethod method, String normalizedPath) {
        String p = normalizedPath.length() > 1 && normalizedPath.endsWith("/") ? normalizedPath.substring(0, normalizedPath.length() - 1) : normalizedPath;
        for (Rule r : RULES) if (r.matches(method, p)) return r.permission();
        return Permission.UNCLASSIFIED;
    }

    /**
     * The template of the entry a request matches (e.g. {@code /v1/nodes/:id}), or {@code "unmatched"}: the route label
     * of the API metrics, bounded by this table whatever paths callers send.
     */
    static String template(HttpMethod method, String normalizedPath) {
        String p = normalizedPath.length() > 1 && normalizedPath.endsWith("/") ? normalizedPath.substring(0, normalizedPath.length() - 1) : normalizedPath;
        for (Rule r : RULES) if (r.matches(method, p)) return r.template();
        return "unmatched";
    }

    /** Mounted routes (as "METHOD path") that have no entry of their own here. Catch-all handlers without a path are not endpoints. */
    static List<String> unclassified(List<Route> routes) {
        List<String> out = new ArrayList<>();
        for (Route route : routes) {
            String path = route.getPath(); // a ":param" route keeps its template here, though Vert.x matches it by regex
            if (path == null) {
                if (route.isRegexPath()) out.add(route.methods() + " a route by regular expression (classify it by a path template instead)");
                continue;
            }
            Set<HttpMethod> methods = route.methods();
            if (methods == null || methods.isEmpty()) {
                if (!declared(null, path)) out.add("* " + path);
            } else {
                for (HttpMethod m : methods) if (!declared(m, path)) out.add(m + " " + path);
            }
        }
        return out;
    }

    private static boolean declared(HttpMethod m, String path) {
        for (Rule r : RULES) {
            boolean samePath = r.template().equals(path)
                    || r.template().endsWith("*") && r.template().substring(0, r.template().length() - 1).equals(path);
            if (samePath && (r.method() == null || r.method().equals(m))) return true;
        }
        return false;
    }
}
