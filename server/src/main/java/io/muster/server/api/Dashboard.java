package io.muster.server.api;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/** The web dashboard: static pages that read the REST API from the browser. */
final class Dashboard implements Routes {
    @Override
    public void mount(Router r) {
        r.get("/").handler(ctx -> ctx.redirect("/ui/"));
        r.route("/ui/*").handler(StaticHandler.create("dashboard").setCachingEnabled(false).setIndexPage("index.html"));
    }
}
