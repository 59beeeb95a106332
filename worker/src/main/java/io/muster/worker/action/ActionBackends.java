package io.muster.worker.action;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The action backends of this worker and which of them are enabled: backends that only read are always on, the
 * others only when the worker configuration names them. {@link #invoke} is the one way actions are run: it checks
 * the backend exists and is enabled, times the action, keeps the end of its output, and turns whatever escapes a
 * backend into a failed result.
 */
public final class ActionBackends {
    private static final Logger log = LoggerFactory.getLogger(ActionBackends.class);

    private final Map<String, ActionBackend> all;
    private final Set<String> enabled;

    /**
     * @param backends every backend this worker has (names must be unique)
     * @param enable the names of the system-changing backends to enable
     * @throws IllegalArgumentException naming an unknown backend and the known ones
     */
    public ActionBackends(List<ActionBackend> backends, Collection<String> enable) {
        Map<String, ActionBackend> byName = new LinkedHashMap<>();
        for (ActionBackend b : backends) {
            if (byName.putIfAbsent(b.name(), b) != null) {
                throw new IllegalArgumentException("two action backends are named '" + b.name() + "'");
            }
        }
        for (String name : enable) {
            if (!byName.containsKey(name)) {
                throw new IllegalArgumentException("unknown action backend '" + name + "' (this worker has: "
                        + String.join(", ", new TreeSet<>(byName.keySet())) + ")");
            }
        }
        this.all = Map.copyOf(byName);
        Set<String> on = new TreeSet<>(enable);
        byName.values().stream().filter(b -> !b.changesSystem()).forEach(b -> on.add(b.name()));
        this.enabled = Set.copyOf(on);
    }

    /** The built-in backends: ping, test, sysinfo (always on), systemd, apt, file. */
    public static List<ActionBackend> builtIn() {
        return List.of(new PingBackend(), new TestBackend(), new SysinfoBackend(Path.of("/")), new SystemdBackend(),
                new AptBackend(), new FileBackend());
    }

    /** The built-in backends plus those found by {@link ServiceLoader}, with {@code enable} enabled. */
    public static ActionBackends load(Collection<String> enable) {
        List<ActionBackend> backends = new ArrayList<>(builtIn());
        for (ActionBackend plugin : ServiceLoader.load(ActionBackend.class)) {
            log.info("action backend {} (actions {}) found by ServiceLoader: {}", plugin.name(), plugin.actions(),
                    plugin.getClass().getName());
            backends.add(plugin);
        }
        return new ActionBackends(backends, enable);
    }

    /** The backends actions may use here, by name. */
    public List<ActionBackend> enabled() {
        return all.values().stream().filter(b -> enabled.contains(b.name()))
                .sorted(java.util.Comparator.comparing(ActionBackend::name)).toList();
    }

    /**
     * Runs {@code backend action params}. Never throws: an unknown or disabled backend, an unknown action, bad
     * parameters and a backend's own exception all end in a failed result.
     */
    public ActionResult invoke(String backend, String action, Map<String, String> params, ActionContext ctx) {
        Instant start = ctx.clock().instant();
        Tail tail = new Tail();
        ActionContext watched = new ActionContext(ctx.allocId(), ctx.deadline(), ctx.clock(), new ActionContext.Output() {
            @Override
            public void stdout(String line) {
                tail.add(line);
                ctx.output().stdout(line);
            }

            @Override
            public void stderr(String line) {
                ctx.output().stderr(line);
            }
        }, ctx.commands(), ctx.sleeper());
        ActionResult result;
        ActionBackend b = all.get(backend);
        if (b == null) {
            result = ActionResult.failed("unknown action backend '" + ActionParams.printable(String.valueOf(backend))
                    + "' (this worker has: " + String.join(", ", new TreeSet<>(all.keySet())) + ")");
        } else if (!enabled.contains(backend)) {
            result = ActionResult.failed("backend " + backend + " is not enabled on this worker (enable it with backends: ["
                    + backend + "] in the worker config)");
        } else if (!b.actions().contains(action)) {
            result = ActionResult.failed("backend " + backend + " has no action '" + ActionParams.printable(String.valueOf(action))
                    + "' (actions: " + String.join(", ", b.actions()) + ")");
        } else {
            try {
                result = b.run(action, params == null ? Map.of() : params, watched);
                if (result == null) {
                    result = ActionResult.failed("backend " + backend + " returned no result");
                }
            } catch (RuntimeException e) {
                log.warn("action {} {} threw", backend, action, e);
                result = ActionResult.failed(backend + " " + action + ": " + e);
            }
        }
        return result.with(tail.text(), Duration.between(start, ctx.clock().instant()));
    }

    /** The last {@link ActionResult#MAX_OUTPUT_BYTES} of stdout, as lines arrive. */
    private static final class Tail {
        private final StringBuilder text = new StringBuilder();

        synchronized void add(String line) {
            text.append(line).append('\n');
            if (text.length() > 8 * ActionResult.MAX_OUTPUT_BYTES) {
                text.delete(0, text.length() - 4 * ActionResult.MAX_OUTPUT_BYTES);
            }
        }

        synchronized String text() {
            return Utf8.tail(text.toString().getBytes(StandardCharsets.UTF_8), ActionResult.MAX_OUTPUT_BYTES);
        }
    }
}
