package io.muster.worker.action;

import io.muster.types.job.ActionCatalog;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code test}: actions whose outcome is known in advance, for trying operations out. {@code flaky} fails with
 * probability {@code rate}, decided by {@code seed} and the allocation id: the same attempt always decides the
 * same way, and a retry (a new allocation) draws again, so retries of a flaky task can succeed.
 */
final class TestBackend extends BuiltInBackend {

    TestBackend() {
        super(ActionCatalog.TEST);
    }

    @Override
    ActionResult perform(String action, Map<String, String> params, ActionContext ctx) {
        return switch (action) {
            case "succeed" -> {
                params(action, params);
                ctx.print("ok");
                yield ActionResult.success("succeeded");
            }
            case "fail" -> {
                String message = params(action, params, "message").optional("message").orElse("failed as asked");
                yield ActionResult.failed(message);
            }
            case "sleep" -> PingBackend.sleep(params(action, params, "duration").duration("duration"), ctx);
            case "output" -> {
                String text = params(action, params, "text").required("text");
                text.lines().forEach(ctx::print);
                yield ActionResult.success("printed " + text.lines().count() + " line(s)");
            }
            default -> flaky(params(action, params, "rate", "seed"), ctx);
        };
    }

    private static ActionResult flaky(ActionParams p, ActionContext ctx) {
        double rate = p.fraction("rate");
        long seed = p.integer("seed", 0);
        double roll = roll(seed, ctx.allocId());
        boolean fail = roll < rate;
        String line = String.format(Locale.ROOT, "flaky: roll %.4f against failure rate %.4f (seed %d, attempt %s): %s",
                roll, rate, seed, ctx.allocId(), fail ? "fail" : "succeed");
        ctx.print(line);
        return fail ? ActionResult.failed(line) : ActionResult.success(line);
    }

    /** A number in [0, 1) fixed by the seed and the attempt (String.hashCode is specified, so stable). */
    static double roll(long seed, String attempt) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + attempt.hashCode()).nextDouble();
    }
}
