package io.muster.types.job;

import static io.muster.types.job.JobSpecLimits.*;

import io.muster.types.yaml.SourceTree.Kind;
import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import io.muster.types.yaml.SourceTree.Scalar;
import java.time.Duration;
import java.util.List;

/** Reads a group's {@code restart} and {@code reschedule} policies over the job type's defaults. */
final class PolicyReader extends SpecValues {
    static final List<String> RESTART_KEYS = List.of("attempts", "delay", "max_delay", "mode");
    static final List<String> RESCHEDULE_KEYS = List.of("attempts", "delay", "max_delay");

    PolicyReader(List<SpecError> errors) {
        super(errors);
    }

    RestartPolicy restart(Node node, String path, RestartPolicy defaults) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, RESTART_KEYS);
        Integer attempts = f.has("attempts")
                ? intIn(f.get("attempts"), f.path("attempts"), 0, MAX_ATTEMPTS) : Integer.valueOf(defaults.attempts());
        Duration[] delays = delays(f, defaults.delay(), defaults.maxDelay());
        RestartMode mode = f.has("mode")
                ? choice(f.get("mode"), f.path("mode"), RestartMode::fromKey, keys(RestartMode.values(), RestartMode::key))
                : defaults.mode();
        return attempts == null || delays == null || mode == null
                ? null : new RestartPolicy(attempts, delays[0], delays[1], mode);
    }

    ReschedulePolicy reschedule(Node node, String path, ReschedulePolicy defaults) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, RESCHEDULE_KEYS);
        Integer attempts = Integer.valueOf(defaults.attempts());
        if (f.has("attempts")) {
            Node a = f.get("attempts");
            attempts = a instanceof Scalar s && s.kind() == Kind.STRING && s.text().equals("unlimited")
                    ? Integer.valueOf(ReschedulePolicy.UNLIMITED)
                    : intIn(a, f.path("attempts"), ReschedulePolicy.UNLIMITED, MAX_ATTEMPTS,
                    "must be an integer from 0 to " + MAX_ATTEMPTS + ", or -1 / \"unlimited\" for no limit");
        }
        Duration[] delays = delays(f, defaults.delay(), defaults.maxDelay());
        return attempts == null || delays == null ? null : new ReschedulePolicy(attempts, delays[0], delays[1]);
    }

    /** delay and max_delay; an omitted max_delay never ends up below an explicit delay. */
    private Duration[] delays(Fields f, Duration defaultDelay, Duration defaultMax) {
        Duration delay = f.has("delay") ? duration(f.get("delay"), f.path("delay"), 0) : defaultDelay;
        Duration max;
        if (f.has("max_delay")) {
            max = duration(f.get("max_delay"), f.path("max_delay"), 0);
            if (max != null && delay != null && max.compareTo(delay) < 0) {
                error(f.path("max_delay"), f.get("max_delay").loc(),
                        "must be at least delay (" + delay.toSeconds() + "s)");
                return null;
            }
        } else {
            max = delay == null || delay.compareTo(defaultMax) <= 0 ? defaultMax : delay;
        }
        return delay == null || max == null ? null : new Duration[] {delay, max};
    }
}
