package io.muster.worker.action;

import io.muster.types.job.ActionCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code systemd}: {@code systemctl start|stop|restart|enable|disable|status UNIT}. The unit name is checked
 * against the characters systemd allows in unit names (letters, digits, {@code :_.@-} and {@code \} escapes), so
 * it can never be read as an option. {@code status} succeeds when systemctl could tell (exit 0: active, 3: not
 * active) and fails for an unknown unit (4) or any other error (1 is also what systemctl says without systemd).
 */
final class SystemdBackend extends BuiltInBackend {

    static final Pattern UNIT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9:_.@\\\\-]{0,255}");

    SystemdBackend() {
        super(ActionCatalog.SYSTEMD);
    }

    @Override
    ActionResult perform(String action, Map<String, String> params, ActionContext ctx) {
        String unit = params(action, params, "unit").matching("unit", UNIT,
                "a unit name (letters, digits and :_.@-\\, starting with a letter or digit, at most 256 characters)");
        List<String> argv = new ArrayList<>(List.of("systemctl", "--no-ask-password", "--no-pager"));
        if (action.equals("status")) {
            argv.add("--lines=5");
        }
        argv.add(action);
        argv.add(unit);
        CommandRunner.Result r = ctx.run(argv, Map.of("SYSTEMD_COLORS", "0"));
        if (action.equals("status")) {
            if (r.timedOut() || r.interrupted() || !r.error().isEmpty()) {
                return commandFailed("systemctl status " + unit, r);
            }
            return switch (r.exitCode()) {
                case 0 -> ActionResult.success("unit " + unit + " is active");
                case 3 -> ActionResult.success("unit " + unit + " is not active");
                case 4 -> ActionResult.failed("unit " + unit + " is unknown (systemctl exit code 4)");
                default -> commandFailed("systemctl status " + unit, r);
            };
        }
        return r.ok() ? ActionResult.success("systemctl " + action + " " + unit + ": done")
                : commandFailed("systemctl " + action + " " + unit, r);
    }
}
