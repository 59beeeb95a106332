package io.muster.worker.action;

import java.util.List;
import java.util.Map;

/**
 * A backend found by {@link java.util.ServiceLoader} (listed in the test resources'
 * {@code META-INF/services/io.muster.worker.action.ActionBackend}), as a plugin jar would provide one.
 */
public final class ReversePlugin implements ActionBackend {
    @Override
    public String name() {
        return "reverse";
    }

    @Override
    public List<String> actions() {
        return List.of("text");
    }

    @Override
    public boolean changesSystem() {
        return false;
    }

    @Override
    public ActionResult run(String action, Map<String, String> params, ActionContext ctx) {
        String text = params.getOrDefault("text", "");
        String reversed = new StringBuilder(text).reverse().toString();
        ctx.print(reversed);
        return ActionResult.success("reversed " + text.length() + " characters");
    }
}
