package io.muster.server.api;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * How the API reads request bodies. Mounted after the ACL guard, so a request the guard refuses is answered
 * before a byte of its body is buffered. Bodies stay in memory, at most {@link #LIMIT_BYTES}: the API takes
 * JSON and YAML only, so multipart file parts are dropped instead of being streamed to an uploads directory
 * (Vert.x's default wrote them to {@code ./file-uploads/} and never deleted them).
 */
final class RequestBodies {
    static final long LIMIT_BYTES = 4L * 1024 * 1024;
    private static final String LIMIT_TEXT = "4 MiB";

    private RequestBodies() {}

    /** Every route from here on gets its body read; a body over the limit is answered 413 with the uniform error. */
    static void mount(Router router) {
        router.route()
                .handler(BodyHandler.create(false).setBodyLimit(LIMIT_BYTES))
                // BodyHandler fails the request with a bare status 413 (from Content-Length before reading, or once
                // a chunked body passes the limit); answered here so it does not reach the generic 500 handler.
                .failureHandler(ctx -> {
                    if (ctx.statusCode() == 413 && ctx.failure() == null) {
                        Http.error(ctx, 413, "PAYLOAD_TOO_LARGE", "the request body is larger than the limit " + LIMIT_TEXT);
                    } else {
                        ctx.next();
                    }
                });
    }
}
