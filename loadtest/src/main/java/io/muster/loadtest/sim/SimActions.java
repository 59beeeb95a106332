package io.muster.loadtest.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.proto.AllocState;
import io.muster.types.job.ActionCatalog;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a simulated worker answers an operation task: the built-in {@code test} backend, decided from the one-task
 * group the server sends ({@code tasks[0].action}) without running anything. Pure: the worker applies the answer
 * (with the transport's timer for a delay), so the answers can be checked without a cluster.
 *
 * <ul>
 *   <li>{@code succeed}: complete at once;</li>
 *   <li>{@code fail}: failed, exit code 1;</li>
 *   <li>{@code sleep} with {@code duration} ({@code 2s}, {@code 500ms}, {@code 1m}; a bare number is seconds): complete after it;</li>
 *   <li>{@code output} with {@code text}: complete, with the text as the task's output;</li>
 *   <li>{@code flaky} with {@code rate} (0-1 failure probability) and {@code seed}: failed or complete, the same
 *       every time for one (seed, allocation attempt), so a retried task can succeed on a later attempt.</li>
 * </ul>
 * Any other backend or action, or a group that is not an action task, fails with a message naming it.
 */
public final class SimActions {
    /** What to report: the end state after {@code delayMillis}, with exit code, output and message. */
    public record Answer(AllocState state, int exitCode, long delayMillis, String output, String message) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)?");

    private SimActions() {}

    /** The answer to one allocation of an operation job, from its group spec JSON and its attempt. */
    public static Answer answer(byte[] groupSpecJson, int attempt) {
        JsonNode action;
        try {
            action = JSON.readTree(groupSpecJson).path("tasks").path(0).path("action");
        } catch (IOException e) {
            return failed("group_spec_json is not JSON: " + e.getMessage());
        }
        String backend = action.path("backend").asText("");
        String name = action.path("action").asText("");
        JsonNode params = action.path("params");
        if (!ActionCatalog.TEST.name().equals(backend)) return failed("backend '" + backend + "' is not simulated (only test)");
        return switch (name) {
            case "succeed" -> done(0, "test succeed: ok");
            case "fail" -> new Answer(AllocState.ALLOC_FAILED, 1, 0, "test fail", "exit code 1");
            case "sleep" -> {
                String d = params.path("duration").asText("");
                Long ms = millis(d);
                yield ms == null ? failed("test sleep: params.duration '" + d + "' is not a duration (e.g. 2s, 500ms)")
                        : done(ms, "test sleep: slept " + d);
            }
            case "output" -> done(0, params.path("text").asText(""));
            case "flaky" -> flaky(params, attempt);
            default -> failed("test: no action '" + name + "'");
        };
    }

    private static Answer flaky(JsonNode params, int attempt) {
        double rate;
        long seed;
        try {
            rate = Double.parseDouble(params.path("rate").asText("0.5"));
            seed = Long.parseLong(params.path("seed").asText("0"));
        } catch (NumberFormatException e) {
            return failed("test flaky: params.rate must be a number in [0, 1] and params.seed an integer");
        }
        if (!(rate >= 0 && rate <= 1)) return failed("test flaky: params.rate must be in [0, 1], not " + rate);
        boolean fails = draw(seed, attempt) < rate;
        String line = "test flaky: attempt " + attempt + (fails ? " failed" : " succeeded");
        return fails ? new Answer(AllocState.ALLOC_FAILED, 1, 0, line, "exit code 1") : done(0, line);
    }

    /** A uniform number in [0, 1) fixed by (seed, attempt): SplitMix64's finaliser over both. */
    static double draw(long seed, int attempt) {
        long z = seed * 0x9E3779B97F4A7C15L + attempt + 1;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }

    private static Answer done(long delayMillis, String output) {
        return new Answer(AllocState.ALLOC_COMPLETE, 0, delayMillis, output, null);
    }

    private static Answer failed(String message) {
        return new Answer(AllocState.ALLOC_FAILED, 1, 0, message, message);
    }

    /** {@code 2s}, {@code 500ms}, {@code 1.5m}, {@code 1h}; a bare number is seconds; null when not a duration. */
    static Long millis(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) return null;
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return (long) switch (unit) {
            case "ms" -> v;
            case "m" -> v * 60_000;
            case "h" -> v * 3_600_000;
            default -> v * 1000;
        };
    }
}
