package io.muster.worker.action;

import io.muster.types.job.ActionCatalog;
import io.muster.worker.identity.NodeProfiles;
import java.time.Duration;
import java.util.Map;

/** {@code ping}: echo a message, print the host name, sleep. For checking that a target answers. */
final class PingBackend extends BuiltInBackend {

    PingBackend() {
        super(ActionCatalog.PING);
    }

    @Override
    ActionResult perform(String action, Map<String, String> params, ActionContext ctx) {
        return switch (action) {
            case "echo" -> {
                String message = params(action, params, "message").optional("message").orElse("pong");
                ctx.print(message);
                yield ActionResult.success(message);
            }
            case "hostname" -> {
                params(action, params);
                String host = NodeProfiles.hostname();
                ctx.print(host);
                yield ActionResult.success(host);
            }
            default -> sleep(params(action, params, "duration").duration("duration"), ctx);
        };
    }

    /** Shared by ping and test: sleeps, failing when the deadline or a stop cuts the sleep short. */
    static ActionResult sleep(Duration d, ActionContext ctx) {
        if (ctx.sleep(d)) {
            ctx.print("slept " + d.toMillis() + " ms");
            return ActionResult.success("slept " + d.toMillis() + " ms");
        }
        String why = Thread.currentThread().isInterrupted() ? "the action was stopped" : "the deadline came first";
        return ActionResult.failed("sleep of " + d.toMillis() + " ms cut short: " + why);
    }
}
