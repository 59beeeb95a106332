package io.muster.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.muster.proto.raft.CommandResult;
import io.muster.server.Failures;
import io.muster.server.raft.RaftUnavailableException;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small helpers for JSON responses and uniform errors: {"error": "...", "code": "..."}. */
public final class Http {
    private static final Logger LOG = LoggerFactory.getLogger(Http.class);
    public static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Http() {}

    public static void json(RoutingContext ctx, int status, Object body) {
        try {
            String text = JSON.writeValueAsString(body);
            ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(text);
        } catch (JsonProcessingException e) {
            error(ctx, 500, "INTERNAL", "cannot encode the response");
        }
    }

    public static void ok(RoutingContext ctx, Object body) {
        json(ctx, 200, body);
    }

    public static void error(RoutingContext ctx, int status, String code, String message) {
        if (ctx.response().ended()) return;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("code", code);
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(JSON.valueToTree(body).toString());
    }

    /** Maps a failed Raft write to 503 with the reason, anything else to 500 without internals. */
    public static void failure(RoutingContext ctx, Throwable t) {
        Throwable c = Failures.cause(t);
        if (c instanceof RaftUnavailableException) {
            error(ctx, 503, "NO_QUORUM", c.getMessage());
        } else if (c instanceof io.muster.server.service.ServiceException a) {
            error(ctx, a.status(), a.code(), a.getMessage());
        } else if (c instanceof IllegalArgumentException) {
            error(ctx, 400, "BAD_REQUEST", c.getMessage());
        } else if (c instanceof IllegalStateException) {
            error(ctx, 409, "CONFLICT", c.getMessage());
        } else {
            LOG.warn("request {} {} failed", ctx.request().method(), ctx.request().path(), c);
            error(ctx, 500, "INTERNAL", "internal error: " + c.getClass().getSimpleName());
        }
    }

    /** HTTP status for a rejected command, by its stable code. */
    public static int statusFor(CommandResult r) {
        return io.muster.server.service.ServiceException.statusFor(r);
    }

    public static void rejected(RoutingContext ctx, CommandResult r) {
        error(ctx, statusFor(r), r.getErrorCode(), r.getError());
    }

    public static JsonNode body(RoutingContext ctx) {
        String text = ctx.body() == null ? null : ctx.body().asString();
        if (text == null || text.isBlank()) return JSON.createObjectNode();
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) throw new ApiException(400, "BAD_REQUEST", "the request body must be a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "BAD_REQUEST", "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    public static long longParam(RoutingContext ctx, String name, long dflt, long min, long max) {
        String v = ctx.queryParams().get(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) throw new ApiException(400, "BAD_REQUEST", name + " must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw new ApiException(400, "BAD_REQUEST", name + " must be a number, got '" + v + "'");
        }
    }

    public static long pathLong(RoutingContext ctx, String name) {
        String v = ctx.pathParam(name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ApiException(400, "BAD_REQUEST", name + " must be a number, got '" + v + "'");
        }
    }
}
