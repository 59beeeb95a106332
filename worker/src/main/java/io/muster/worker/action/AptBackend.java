package io.muster.worker.action;

import io.muster.types.job.ActionCatalog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code apt}: {@code apt-get -y update|install|remove|upgrade} with {@code DEBIAN_FRONTEND=noninteractive}, keeping
 * existing configuration files on upgrades. {@code package} holds one or more package names (Debian syntax, with an
 * optional {@code :arch} and {@code =version}), separated by spaces or commas. While another apt or dpkg holds the
 * dpkg lock, apt-get waits for it until the action's deadline ({@code -o DPkg::Lock::Timeout=<seconds left>}).
 */
final class AptBackend extends BuiltInBackend {

    /** Debian policy 5.6.1 for the name, then an optional architecture and version. */
    static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?");
    /** How long to wait for the dpkg lock when the action has no deadline. */
    static final Duration LOCK_WAIT_WITHOUT_DEADLINE = Duration.ofMinutes(10);
    private static final List<String> KEEP_CONFIG = List.of(
            "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold");

    AptBackend() {
        super(ActionCatalog.APT);
    }

    @Override
    ActionResult perform(String action, Map<String, String> params, ActionContext ctx) {
        List<String> argv = new ArrayList<>(List.of("apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=" + lockSeconds(ctx)));
        String what;
        switch (action) {
            case "update" -> {
                params(action, params);
                argv.add("update");
                what = "package lists updated";
            }
            case "upgrade" -> {
                List<String> packages = packages(params(action, params, "package"), false);
                argv.addAll(KEEP_CONFIG);
                if (packages.isEmpty()) {
                    argv.add("upgrade");
                    what = "packages upgraded";
                } else {
                    argv.addAll(List.of("install", "--only-upgrade"));
                    argv.addAll(packages);
                    what = "upgraded " + String.join(" ", packages);
                }
            }
            default -> { // install, remove
                List<String> packages = packages(params(action, params, "package"), true);
                if (action.equals("install")) {
                    argv.addAll(KEEP_CONFIG);
                }
                argv.add(action);
                argv.addAll(packages);
                what = (action.equals("install") ? "installed " : "removed ") + String.join(" ", packages);
            }
        }
        CommandRunner.Result r = ctx.run(argv, Map.of("DEBIAN_FRONTEND", "noninteractive"));
        return r.ok() ? ActionResult.success(what) : commandFailed("apt-get " + action, r);
    }

    private static List<String> packages(ActionParams p, boolean required) {
        String raw = required ? p.required("package") : p.optional("package").orElse("");
        List<String> out = new ArrayList<>();
        for (String name : raw.strip().split("[\\s,]+")) {
            if (name.isEmpty()) {
                continue;
            }
            if (!PACKAGE.matcher(name).matches()) {
                throw p.invalid("param 'package': '" + ActionParams.printable(name) + "' is not a Debian package name"
                        + " (lower-case letters, digits and +.-, optional :arch and =version)");
            }
            out.add(name);
        }
        if (required && out.isEmpty()) {
            throw p.invalid("param 'package' names no package");
        }
        return out;
    }

    /** Seconds left before the deadline (at least 1), the lock wait apt-get gets. */
    static long lockSeconds(ActionContext ctx) {
        return ctx.remaining().map(d -> Math.max(1, d.toSeconds())).orElse(LOCK_WAIT_WITHOUT_DEADLINE.toSeconds());
    }
}
