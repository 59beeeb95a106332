package io.muster.server.api;

import io.vertx.ext.web.Router;

/** A group of REST endpoints. */
public interface Routes {
    void mount(Router router);
}
