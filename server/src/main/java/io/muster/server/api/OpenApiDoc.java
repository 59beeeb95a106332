package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code GET /v1/openapi.json}: the REST API's OpenAPI 3.1 description, written once as a resource
 * ({@value #RESOURCE}) and held to the API by OpenApiTest: every mounted {@code /v1} route must be documented, every
 * documented one mounted, and every documented call answers with a documented status and shape. Public: it describes
 * the endpoints, it reveals no state (docs/SECURITY.md).
 */
public final class OpenApiDoc implements Routes {
    static final String RESOURCE = "/io/muster/server/api/openapi.json";
    private static final String WHERE = "server/src/main/resources" + RESOURCE;
    private final Buffer body;

    public OpenApiDoc() {
        this.body = Buffer.buffer(bytes());
    }

    /** The document's bytes, read once from the classpath. */
    static byte[] bytes() {
        try (InputStream in = OpenApiDoc.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode document() {
        try {
            return Http.JSON.readTree(bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void mount(Router router) {
        router.get("/v1/openapi.json").handler(ctx -> ctx.response().setStatusCode(200).putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-cache").end(body));
    }

    /** The documented operations as {@code "METHOD /v1/path/:param"}, the router's own spelling. */
    static Set<String> documented(JsonNode doc) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> paths = doc.path("paths").fieldNames(); paths.hasNext(); ) {
            String path = paths.next();
            for (Iterator<String> methods = doc.path("paths").path(path).fieldNames(); methods.hasNext(); ) {
                String m = methods.next();
                if (m.equals("parameters")) continue;
                out.add(m.toUpperCase(Locale.ROOT) + " " + path.replaceAll("\\{([^}]+)}", ":$1"));
            }
        }
        return out;
    }

    /** The API's endpoints among the mounted routes ({@code /v1/...} with a path and methods), as {@code "METHOD path"}. */
    static Set<String> mounted(List<Route> routes) {
        Set<String> out = new TreeSet<>();
        for (Route r : routes) {
            String path = r.getPath();
            if (path == null || !path.startsWith("/v1/") || r.methods() == null) continue;
            for (HttpMethod m : r.methods()) out.add(m.name() + " " + path);
        }
        return out;
    }

    /**
     * What differs between the router and the document, one line each naming the route and what to do about it
     * (empty when they agree): the message a merge that adds a route without documenting it fails with.
     */
    static List<String> mismatches(List<Route> routes, JsonNode doc) {
        Set<String> mounted = mounted(routes);
        Set<String> documented = documented(doc);
        List<String> out = new ArrayList<>();
        for (String r : mounted)
            if (!documented.contains(r)) out.add(r + " is mounted but not documented: add paths.\"" + openApiPath(r) + "\"."
                    + r.substring(0, r.indexOf(' ')).toLowerCase(Locale.ROOT) + " to " + WHERE);
        for (String d : documented)
            if (!mounted.contains(d)) out.add(d + " is documented in " + WHERE + " but no route serves it");
        return out;
    }

    private static String openApiPath(String route) {
        return route.substring(route.indexOf(' ') + 1).replaceAll(":([A-Za-z0-9_]+)", "{$1}");
    }
}
