package io.muster.worker.action;

import io.muster.types.job.ActionCatalog;
import java.util.List;
import java.util.Map;

/**
 * What the built-in backends share: name and actions from {@link ActionCatalog}, the check that the action exists,
 * and parameter problems turned into failed results.
 */
abstract class BuiltInBackend implements ActionBackend {

    private final ActionCatalog.Backend spec;

    BuiltInBackend(ActionCatalog.Backend spec) {
        this.spec = spec;
    }

    @Override
    public final String name() {
        return spec.name();
    }

    @Override
    public final List<String> actions() {
        return spec.actions();
    }

    @Override
    public final boolean changesSystem() {
        return spec.changesSystem();
    }

    @Override
    public final ActionResult run(String action, Map<String, String> params, ActionContext ctx) {
        if (!actions().contains(action)) {
            return ActionResult.failed("backend " + name() + " has no action '" + ActionParams.printable(String.valueOf(action))
                    + "' (actions: " + String.join(", ", actions()) + ")");
        }
        try {
            return perform(action, params == null ? Map.of() : params, ctx);
        } catch (ActionParams.Invalid e) {
            return ActionResult.failed(e.getMessage());
        }
    }

    /** Runs a known action; may throw {@link ActionParams.Invalid}. */
    abstract ActionResult perform(String action, Map<String, String> params, ActionContext ctx);

    ActionParams params(String action, Map<String, String> params, String... valid) {
        return new ActionParams(name(), action, params, List.of(valid));
    }

    /** The failure of a command, or the interruption or deadline that ended it. */
    static ActionResult commandFailed(String what, CommandRunner.Result r) {
        return ActionResult.failed(what + " failed: " + r.describe());
    }
}
