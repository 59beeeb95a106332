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

    private RequestBodies() {}

    /** Every route from here on gets its body read. */
    static void mount(Router router) {
        router.route().handler(BodyHandler.create(false).setBodyLimit(LIMIT_BYTES));
    }
}
