package io.muster.types.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Canonical JSON round-trips every valid spec, byte for byte. */
class JobSpecJsonPropertyTest {

    @Property(tries = 200, seed = "20240601")
    void canonicalJsonRoundTrips(@ForAll("specs") JobSpec spec) {
        byte[] json = JobSpecJson.toJson(spec);
        JobSpec back = JobSpecJson.fromJson(json);
        assertEquals(spec, back);
        assertArrayEquals(json, JobSpecJson.toJson(back));
    }

    /** Operations have more shapes than the other types; they get tries of their own. */
    @Property(tries = 300, seed = "20261207")
    void canonicalJsonRoundTripsOperations(@ForAll("operations") JobSpec spec) {
        canonicalJsonRoundTrips(spec);
    }

    @Provide
    Arbitrary<JobSpec> specs() {
        return Arbitraries.of(JobType.values()).flatMap(type -> type == JobType.OPERATION
                ? operations()
                : Combinators.combine(
                        names(),
                        Arbitraries.integers().between(JobSpecLimits.MIN_PRIORITY, JobSpecLimits.MAX_PRIORITY),
                        durations(1).injectNull(0.5),
                        constraints().list().ofMaxSize(3),
                        group(type).list().ofMinSize(1).ofMaxSize(3))
                .as((id, priority, timeout, constraints, groups) -> new JobSpec(id, type, priority, timeout,
                        constraints, uniqueGroups(groups))));
    }

    @Provide
    Arbitrary<JobSpec> operations() {
        Arbitrary<OperationTarget> target = Arbitraries.oneOf(
                Arbitraries.just(OperationTarget.ALL),
                names().map(n -> new OperationTarget(TargetScope.GROUP, n)),
                Arbitraries.oneOf(names(), Arbitraries.longs().between(0, Long.MAX_VALUE).map(String::valueOf))
                        .map(n -> new OperationTarget(TargetScope.NODE, n)));
        Arbitrary<RetryBackoff> backoff = Combinators.combine(durations(0), durations(0))
                .as((a, b) -> new RetryBackoff(min(a, b), max(a, b)));
        Arbitrary<OperationSpec> op = Combinators.combine(target, Arbitraries.of(FailureStrategy.values()),
                        Arbitraries.integers().between(0, 10_000), backoff, step().list().ofMinSize(1).ofMaxSize(4))
                .as(OperationSpec::new);
        return Combinators.combine(names(),
                        Arbitraries.integers().between(JobSpecLimits.MIN_PRIORITY, JobSpecLimits.MAX_PRIORITY),
                        durations(1).injectNull(0.5), constraints().list().ofMaxSize(3), op)
                .as((id, priority, timeout, constraints, o) -> new JobSpec(id, JobType.OPERATION, priority, timeout,
                        constraints, List.of(), o));
    }

    private Arbitrary<OperationStep> step() {
        Arbitrary<StepCondition> condition = Arbitraries.of(StepCondition.values());
        return Arbitraries.oneOf(
                Combinators.combine(condition, operationTask()).as((c, t) -> new OperationStep(c, false, List.of(t))),
                Combinators.combine(condition, operationTask().list().ofMinSize(1).ofMaxSize(3))
                        .as((c, ts) -> new OperationStep(c, true, ts)));
    }

    private Arbitrary<OperationTask> operationTask() {
        Arbitrary<Map<String, String>> params = Arbitraries.maps(
                Arbitraries.strings().withCharRange('a', 'z').withChars('_', '.', '-').numeric().ofMinLength(1)
                        .ofMaxLength(10).filter(k -> Character.isLetter(k.charAt(0)) || k.charAt(0) == '_'),
                text()).ofMaxSize(4);
        Arbitrary<ActionCall> action = Combinators.combine(names(), names(), params).as(ActionCall::new);
        // The timeout is the operation task's; the parser leaves the TaskSpec's null.
        Arbitrary<TaskSpec> task = task().map(t -> new TaskSpec(t.name(), t.driver(), t.command(), t.args(),
                t.image(), t.env(), t.resources(), null, t.network(), t.workdir(), t.user()));
        return Combinators.combine(Arbitraries.of(true, false), action, task,
                        Arbitraries.integers().between(0, JobSpecLimits.MAX_OPERATION_RETRIES),
                        durations(1).injectNull(0.5))
                .as((isAction, a, t, retries, timeout) -> isAction
                        ? new OperationTask(a, null, retries, timeout)
                        : new OperationTask(null, t, retries, timeout));
    }

    private static List<TaskGroup> uniqueGroups(List<TaskGroup> groups) {
        List<TaskGroup> out = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            TaskGroup g = groups.get(i);
            out.add(new TaskGroup(suffix(g.name(), i), g.count(), g.placement(), g.constraints(), g.restart(),
                    g.reschedule(), g.tasks()));
        }
        return out;
    }

    private static List<TaskSpec> uniqueTasks(List<TaskSpec> tasks) {
        List<TaskSpec> out = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            TaskSpec t = tasks.get(i);
            out.add(new TaskSpec(suffix(t.name(), i), t.driver(), t.command(), t.args(), t.image(), t.env(),
                    t.resources(), t.timeout(), t.network(), t.workdir(), t.user()));
        }
        return out;
    }

    private static String suffix(String name, int i) {
        return (name.length() > 55 ? name.substring(0, 55) : name) + "-" + i;
    }

    private Arbitrary<TaskGroup> group(JobType type) {
        Arbitrary<Integer> count = type.perNode()
                ? Arbitraries.just(1)
                : Arbitraries.integers().between(0, JobSpecLimits.MAX_COUNT);
        Arbitrary<RestartPolicy> restart = Combinators.combine(
                        Arbitraries.integers().between(0, JobSpecLimits.MAX_ATTEMPTS), durations(0), durations(0),
                        Arbitraries.of(RestartMode.values()))
                .as((a, d1, d2, m) -> new RestartPolicy(a, min(d1, d2), max(d1, d2), m));
        Arbitrary<ReschedulePolicy> reschedule = Combinators.combine(
                        Arbitraries.integers().between(-1, JobSpecLimits.MAX_ATTEMPTS), durations(0), durations(0))
                .as((a, d1, d2) -> new ReschedulePolicy(a, min(d1, d2), max(d1, d2)));
        return Combinators.combine(names(), count, Arbitraries.of(PlacementStrategy.values()),
                        constraints().list().ofMaxSize(3), restart, reschedule, task().list().ofMinSize(1).ofMaxSize(3))
                .as((name, c, p, cons, r, rs, tasks) -> new TaskGroup(name, c, p, cons, r, rs, uniqueTasks(tasks)));
    }

    private Arbitrary<TaskSpec> task() {
        Arbitrary<TaskResources> resources = Combinators.combine(
                        Arbitraries.integers().between(1, JobSpecLimits.MAX_CPU),
                        Arbitraries.integers().between(1, JobSpecLimits.MAX_MEMORY_MB),
                        Arbitraries.integers().between(0, JobSpecLimits.MAX_PIDS),
                        Arbitraries.of(true, false))
                .as(TaskResources::new);
        Arbitrary<Map<String, String>> env = Arbitraries.maps(
                Arbitraries.strings().withCharRange('A', 'Z').withChars('_').ofMinLength(1).ofMaxLength(12),
                text()).ofMaxSize(4);
        Arbitrary<String> user = Arbitraries.of("nobody", "0", "1000:1000", "www-data:adm");
        Arbitrary<String> workdir = Arbitraries.strings().alpha().ofMaxLength(10).map(s -> "/" + s);
        Arbitrary<String> image = Arbitraries.of("busybox", "local/busybox:1", "ghcr.io/a/b@sha256:0f");
        return Combinators.combine(names(), Arbitraries.of(Driver.values()), nonBlank(), text().list().ofMaxSize(4),
                        image, env, resources, durations(1).injectNull(0.5))
                .flatAs((name, driver, command, args, img, e, res, timeout) -> Combinators.combine(
                                Arbitraries.of(true, false), workdir.injectNull(0.5), user.injectNull(0.5),
                                Arbitraries.of(true, false))
                        .as((network, wd, u, dockerHasCommand) -> driver == Driver.EXEC
                                ? new TaskSpec(name, driver, command, args, null, e, res, timeout, false, wd, u)
                                : new TaskSpec(name, driver, dockerHasCommand ? command : null, args, img, e, res,
                                timeout, network, wd, u)));
    }

    private Arbitrary<Constraint> constraints() {
        Arbitrary<NodeAttribute> attribute = Arbitraries.oneOf(
                Arbitraries.strings().alpha().numeric().withChars('.', '/', '-', '_').ofMinLength(1).ofMaxLength(20)
                        .filter(k -> Character.isLetterOrDigit(k.charAt(0))).map(NodeAttribute.Label::new),
                Arbitraries.just(new NodeAttribute.Os()),
                Arbitraries.just(new NodeAttribute.Arch()),
                Arbitraries.just(new NodeAttribute.Id()),
                Arbitraries.of("exec", "docker", "raw_exec").map(NodeAttribute.DriverPresent::new));
        return Combinators.combine(attribute, Arbitraries.of(ConstraintOperator.values()),
                        Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8).list().ofMinSize(1)
                                .ofMaxSize(3), Arbitraries.longs().between(0, Long.MAX_VALUE).list().ofMinSize(1)
                                .ofMaxSize(3), text())
                .as((attr, op, words, ids, free) -> {
                    String value = switch (op) {
                        case EXISTS, NOT_EXISTS -> null;
                        case REGEXP -> Pattern.quote(free);
                        case IN, NOT_IN -> attr instanceof NodeAttribute.Id
                                ? String.join(",", ids.stream().map(String::valueOf).toList())
                                : String.join(",", words);
                        case EQ, NE -> attr instanceof NodeAttribute.Id ? String.valueOf(ids.get(0)) : free;
                    };
                    return new Constraint(attr, op, value);
                });
    }

    private static Arbitrary<String> names() {
        return Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('_', '-').ofMinLength(1)
                .ofMaxLength(30).filter(s -> Character.isLetterOrDigit(s.charAt(0)));
    }

    /** Valid Unicode without NUL (lone surrogates cannot be encoded in UTF-8 at all). */
    private static Arbitrary<String> text() {
        return Arbitraries.strings().withCharRange('\u0001', '\uD7FF').withCharRange('\uE000', '\uFFFD')
                .ofMaxLength(20);
    }

    private static Arbitrary<String> nonBlank() {
        return text().filter(s -> !s.isBlank());
    }

    private static Arbitrary<Duration> durations(long minSeconds) {
        return Arbitraries.longs().between(minSeconds, JobSpecLimits.MAX_DURATION_SECONDS).map(Duration::ofSeconds);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
