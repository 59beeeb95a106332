package io.muster.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code muster job run -t TARGET BACKEND ACTION key=value...}: a one-step operation, written here as the JSON spec
 * {@code POST /v1/jobs} takes. The spec has no {@code id}: the server names the job, as it names one-shot commands.
 */
final class OperationShorthand {
    private OperationShorthand() {}

    /** The spec for {@code args} (BACKEND ACTION [key=value...]) on {@code target} (already checked). */
    static ObjectNode spec(Cli cli, String target, List<String> args) {
        if (args.size() < 2)
            throw cli.usage("a BACKEND and an ACTION are required with -t: muster job run -t " + target
                    + " BACKEND ACTION [key=value...], or -t " + target + " -- COMMAND [ARGS...] to run a command");
        String backend = args.get(0);
        String action = args.get(1);
        if (backend.contains("=")) throw cli.usage("BACKEND: '" + backend + "' looks like a parameter; the backend comes first: BACKEND ACTION [key=value...]");
        if (action.contains("="))
            throw cli.usage("ACTION: '" + action + "' looks like a parameter; the action of backend " + backend + " comes before its key=value parameters");
        Map<String, String> params = params(cli, args.subList(2, args.size()));

        ObjectNode spec = Cli.JSON.createObjectNode().put("type", "operation");
        ObjectNode t = spec.putObject("target");
        int colon = target.indexOf(':');
        if (colon < 0) {
            t.put("scope", target);
        } else {
            t.put("scope", target.substring(0, colon));
            t.put("value", target.substring(colon + 1));
        }
        ObjectNode step = spec.putArray("steps").addObject().put("backend", backend).put("action", action);
        ObjectNode p = step.putObject("params");
        params.forEach(p::put);
        return spec;
    }

    /** key=value words in order; a value may be empty or hold '=', a key may not be empty, repeat, or hold spaces. */
    static Map<String, String> params(Cli cli, List<String> words) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq < 0) throw cli.usage("parameter '" + w + "' is not key=value");
            String key = w.substring(0, eq);
            if (key.isEmpty()) throw cli.usage("parameter '" + w + "' has no key before '='");
            if (!key.matches("[^\\s=]+")) throw cli.usage("parameter '" + w + "': the key must not contain spaces");
            if (params.put(key, w.substring(eq + 1)) != null) throw cli.usage("parameter '" + key + "' is given more than once");
        }
        return params;
    }
}
