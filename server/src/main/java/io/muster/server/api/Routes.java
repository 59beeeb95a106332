package io.muster.server.api;

import io.vertx.ext.web.Router;

/** A group of REST endpoints. */
public interface Routes {
    void mount(Router router);

    /** Routes that answer leader-only reads get the API's leader redirect/proxy. */
    default void mount(Router router, LeaderRedirect leader) {
        mount(router);
    }
}
