package io.muster.types.job;

import static io.muster.types.job.SpecAssertions.PARSER;
import static io.muster.types.job.SpecAssertions.assertError;
import static io.muster.types.job.SpecAssertions.errorsOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSpecParserTest {

    static String resource(String name) throws IOException {
        try (InputStream in = JobSpecParserTest.class.getResourceAsStream("/jobs/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Path resourcePath(String name) throws URISyntaxException {
        return Path.of(JobSpecParserTest.class.getResource("/jobs/" + name).toURI());
    }

    @Test
    void parsesTheContractExampleWithAllKeys() throws Exception {
        JobSpec spec = PARSER.parseFile(resourcePath("web.yaml"));
        assertEquals("web", spec.id());
        assertEquals(JobType.SERVICE, spec.type());
        assertEquals(70, spec.priority());
        assertEquals(Duration.ofHours(2), spec.timeout());
        assertEquals(List.of(Constraint.of("label.role", "=", "web")), spec.constraints());

        TaskGroup g = spec.groups().get(0);
        assertEquals("frontend", g.name());
        assertEquals(4, g.count());
        assertEquals(PlacementStrategy.SPREAD, g.placement());
        assertEquals(List.of(Constraint.of("node.os", "in", "linux,freebsd")), g.constraints());
        assertEquals(List.of("linux", "freebsd"), g.constraints().get(0).values());
        assertEquals(new RestartPolicy(5, Duration.ofSeconds(10), Duration.ofMinutes(2), RestartMode.DELAY),
                g.restart());
        assertEquals(ReschedulePolicy.UNLIMITED, g.reschedule().attempts());
        assertEquals(new TaskResources(150, 96), g.resources());
        assertEquals(java.util.Set.of("exec", "docker"), g.drivers());

        TaskSpec server = g.tasks().get(0);
        assertEquals(Driver.EXEC, server.driver());
        assertEquals("sleep", server.command());
        assertEquals(List.of("300"), server.args());
        assertNull(server.image());
        assertEquals(Map.of("GREETING", "hi"), server.env());
        assertEquals(Duration.ofSeconds(30), server.timeout());
        assertFalse(server.network());

        TaskSpec sidecar = g.tasks().get(1);
        assertEquals(Driver.DOCKER, sidecar.driver());
        assertEquals("local/busybox:1", sidecar.image());
        assertEquals(List.of("-c", "echo hi; sleep 300"), sidecar.args());
        assertTrue(sidecar.network());
        assertEquals("/tmp", sidecar.workdir());
        assertEquals("1000:1000", sidecar.user());
    }

    @Test
    void yamlAndJsonFormsOfTheSameJobAreEqual() throws Exception {
        JobSpec fromYaml = PARSER.parse(resource("web.yaml"), "web.yaml");
        JobSpec fromJson = PARSER.parse(resource("web.json"), "web.json");
        assertEquals(fromYaml, fromJson);
        // Content sniffing picks the same formats without a file name.
        assertEquals(fromYaml, PARSER.parse(resource("web.json")));
        assertEquals(SpecFormat.JSON, SpecFormat.detect(resource("web.json")));
        assertEquals(SpecFormat.YAML, SpecFormat.detect(resource("web.yaml")));
    }

    @Test
    void appliesDefaultsPerJobType() throws Exception {
        JobSpec batch = PARSER.parse(resource("minimal-batch.yaml"));
        assertEquals("generated", batch.id());
        assertEquals(JobType.BATCH, batch.type());
        assertEquals(JobSpecLimits.DEFAULT_PRIORITY, batch.priority());
        assertNull(batch.timeout());
        TaskGroup g = batch.groups().get(0);
        assertEquals(PlacementStrategy.PACK, g.placement());
        assertEquals(RestartPolicy.defaultFor(JobType.BATCH), g.restart());
        assertEquals(1, g.reschedule().attempts());
        assertEquals(TaskResources.DEFAULT, g.tasks().get(0).resources());

        JobSpec service = PARSER.parse("""
                groups:
                  - name: g
                    tasks: [{name: t, driver: exec, command: x}]
                """);
        assertEquals(JobType.SERVICE, service.type());
        assertEquals(1, service.groups().get(0).count());
        assertTrue(service.groups().get(0).reschedule().unlimited());
    }

    @Test
    void idGeneratorIsUsedOnlyWhenIdIsAbsent() {
        String text = "groups: [{name: g, tasks: [{name: t, driver: exec, command: x}]}]";
        assertEquals("generated", PARSER.parse(text).id());
        assertEquals("mine", PARSER.parse("id: mine\n" + text.replace("groups", "\ngroups")).id());
        JobSpecException e = assertThrows(JobSpecException.class, () -> JobSpecParser.strict().parse(text));
        assertEquals(new SpecError("id", "is required (no id generator was supplied to the parser)", 1, 1),
                e.errors().get(0));
        assertThrows(IllegalStateException.class,
                () -> JobSpecParser.withIdGenerator(() -> "Not Valid").parse(text));
    }

    @Test
    void acceptsScalarsWhereStringsAreMeantAndDurationStrings() {
        JobSpec s = PARSER.parse("""
                type: batch
                timeout: 1h30m
                constraints:
                  - {attribute: label.rack, value: 7}
                groups:
                  - name: g
                    reschedule: {attempts: 3, delay: 2m}
                    tasks:
                      - name: t
                        driver: exec
                        command: sleep
                        args: [300, 1.50, true]
                        env: {N: 1}
                """);
        assertEquals(Duration.ofMinutes(90), s.timeout());
        assertEquals(Constraint.of("label.rack", "=", "7"), s.constraints().get(0)); // operator defaults to =
        assertEquals(List.of("300", "1.50", "true"), s.groups().get(0).tasks().get(0).args());
        assertEquals(Map.of("N", "1"), s.groups().get(0).tasks().get(0).env());
        // delay above the default max_delay lifts max_delay rather than being an error.
        assertEquals(new ReschedulePolicy(3, Duration.ofMinutes(2), Duration.ofMinutes(2)),
                s.groups().get(0).reschedule());
    }

    @Test
    void acceptsOperatorAliasesAndAttributeShortForms() {
        JobSpec s = PARSER.parse("""
                constraints:
                  - {attribute: os, operator: "==", value: linux}
                  - {attribute: arch, operator: not_in, value: [arm, riscv]}
                  - {attribute: node.driver.docker, operator: is_set}
                  - {attribute: label.gpu, operator: is_not_set}
                  - {attribute: node.id, operator: in, value: "1, 2,3"}
                  - {attribute: label.zone, operator: regexp, value: "^eu-"}
                groups: [{name: g, tasks: [{name: t, driver: exec, command: x}]}]
                """);
        assertEquals(List.of(
                Constraint.of("node.os", "=", "linux"),
                Constraint.of("node.arch", "not_in", "arm,riscv"),
                Constraint.of("node.driver.docker", "exists", null),
                Constraint.of("label.gpu", "not_exists", null),
                Constraint.of("node.id", "in", "1, 2,3"),
                Constraint.of("label.zone", "regexp", "^eu-")), s.constraints());
        assertEquals(List.of("1", "2", "3"), s.constraints().get(4).values());
        assertEquals("node.driver.docker exists", s.constraints().get(2).toString());
    }

    // ----------------------------------------------------------------- errors: the contract's example

    @Test
    void reportsPathLineAndColumnForANegativeMemory() {
        String yaml = """
                id: web
                type: service
                groups:
                  - name: frontend
                    count: 4
                    tasks:
                      - name: server
                        driver: exec
                        command: sleep
                      - name: worker
                        driver: exec
                        command: sleep
                        resources:
                            memory: -64
                """;
        SpecError e = assertError(yaml, "groups[0].tasks[1].resources.memory", 14, 21, "must be a positive integer");
        assertEquals("groups[0].tasks[1].resources.memory: must be a positive integer (line 14, column 21)",
                e.toString());
    }

    @Test
    void prefixesMessagesWithTheSourceName() {
        JobSpecException e = assertThrows(JobSpecException.class,
                () -> PARSER.parse("groups: 3\n", "jobs/web.yaml"));
        assertEquals("jobs/web.yaml", e.source());
        assertEquals("jobs/web.yaml: groups: must be a list, not the number 3 (line 1, column 9)", e.getMessage());
    }

    @Test
    void collectsEveryErrorInDocumentOrder() throws Exception {
        JobSpecException e = assertThrows(JobSpecException.class,
                () -> PARSER.parse(resource("many-errors.yaml"), "many-errors.yaml"));
        List<String> lines = e.errors().stream().map(SpecError::toString).toList();
        assertEquals(List.of(
                "id: 'Web!' is not a valid name (lower-case letters, digits, '_' and '-', starting with a letter or "
                        + "digit, at most 63 characters) (line 1, column 5)",
                "type: must be one of service, batch, system, sysbatch, operation, not 'servise' (did you mean 'service'?) "
                        + "(line 2, column 7)",
                "priority: must be a positive integer (line 3, column 11)",
                "groups[0].count: must be a non-negative integer (line 6, column 12)",
                "groups[0].tasks[0].command: is required for the exec driver (line 9, column 9)",
                "groups[0].tasks[0].comand: unknown field 'comand' (did you mean 'command'?) (line 11, column 9)",
                "groups[0].tasks[1].name: duplicate task name 'server' (also groups[0].tasks[0]) (line 12, column 15)",
                "groups[0].tasks[1].resources.memory: must be a positive integer (line 15, column 39)",
                "groups[0].tasks[1].image: is only valid for the docker driver (line 16, column 16)"), lines);
        assertTrue(e.getMessage().startsWith("many-errors.yaml: id: 'Web!'"));
    }

    // ----------------------------------------------------------------- errors: one of each kind

    private static final String TASK = "tasks: [{name: t, driver: exec, command: x}]";

    @Test
    void unknownFieldsAreErrorsWithSuggestions() {
        assertError("grups: []\n", "grups", 1, 1, "unknown field 'grups' (did you mean 'groups'?)");
        assertError("groups:\n  - name: g\n    cuont: 2\n    " + TASK + "\n",
                "groups[0].cuont", 3, 5, "(did you mean 'count'?)");
        assertError("groups:\n  - name: g\n    " + TASK + "\n    wibble: 1\n",
                "groups[0].wibble", 4, 5, "unknown field 'wibble'");
        assertFalse(errorsOf("groups: []\nwibble: 1\n").stream()
                .anyMatch(e -> e.message().contains("did you mean")), "no hint for far-off words");
    }

    @Test
    void wrongTypes() {
        assertError("groups:\n  - name: g\n    count: four\n    " + TASK + "\n",
                "groups[0].count", 3, 12, "must be a non-negative integer, not the string \"four\"");
        assertError("groups:\n  - name: g\n    count: 1.5\n    " + TASK + "\n",
                "groups[0].count", 3, 12, "not the number 1.5");
        assertError("groups: {name: g}\n", "groups", 1, 9, "must be a list, not a mapping");
        assertError("groups: [3]\n", "groups[0]", 1, 10, "must be a mapping, not the number 3");
        assertError("groups:\n  - name: [a]\n    " + TASK + "\n", "groups[0].name", 2, 11, "must be a string");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: docker, image: i, network: 1}]\n",
                "groups[0].tasks[0].network", 3, 58, "must be true or false");
        assertError("[1, 2]\n", "", 1, 1, "a job spec must be a mapping");
    }

    @Test
    void missingRequiredKeys() {
        assertError("id: x\n", "groups", 1, 1, "is required: a job needs at least one group");
        assertError("groups:\n  - name: g\n", "groups[0].tasks", 2, 5, "is required");
        assertError("groups:\n  - " + TASK + "\n", "groups[0].name", 2, 5, "is required");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, command: x}]\n",
                "groups[0].tasks[0].driver", 3, 13, "is required (exec or docker)");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec}]\n",
                "groups[0].tasks[0].command", 3, 13, "is required for the exec driver");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: docker}]\n",
                "groups[0].tasks[0].image", 3, 13, "is required for the docker driver");
        assertError("groups: []\n", "groups", 1, 9, "must contain at least 1 group");
    }

    @Test
    void duplicateNamesAndKeys() {
        assertError("groups:\n  - {name: a, " + TASK + "}\n  - {name: a, " + TASK + "}\n",
                "groups[1].name", 3, 12, "duplicate group name 'a' (also groups[0])");
        assertError("groups:\n  - name: g\n    tasks:\n      - {name: t, driver: exec, command: x}\n"
                        + "      - {name: t, driver: exec, command: y}\n",
                "groups[0].tasks[1].name", 5, 16, "duplicate task name 't'");
        assertError("id: a\nid: b\ngroups: []\n", "id", 2, 1, "duplicate key 'id'");
    }

    @Test
    void driverSpecificKeys() {
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x, image: busybox}]\n",
                "groups[0].tasks[0].image", 3, 56, "is only valid for the docker driver");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x, network: true}]\n",
                "groups[0].tasks[0].network", 3, 58, "is only supported by the docker driver");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: qemu, command: x}]\n",
                "groups[0].tasks[0].driver", 3, 31, "must be one of exec, docker, not 'qemu'");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: docker, image: 'bad image'}]\n",
                "groups[0].tasks[0].image", 3, 46, "is not a valid image reference");
    }

    @Test
    void badConstraints() {
        String groups = "groups: [{name: g, " + TASK + "}]\n";
        assertError("constraints:\n  - {attribute: label.role, operator: equals, value: web}\n" + groups,
                "constraints[0].operator", 2, 39, "unknown operator 'equals'");
        assertError("constraints:\n  - {attribute: label.role, operator: '=!', value: web}\n" + groups,
                "constraints[0].operator", 2, 39, "(did you mean '='?)");
        assertError("constraints:\n  - {attribute: node.memory, value: '1'}\n" + groups,
                "constraints[0].attribute", 2, 17, "unknown attribute 'node.memory'");
        assertError("constraints:\n  - {attribute: node.oss, value: linux}\n" + groups,
                "constraints[0].attribute", 2, 17, "(did you mean 'node.os'?)");
        assertError("constraints:\n  - {attribute: 'label.', value: x}\n" + groups,
                "constraints[0].attribute", 2, 17, "label key '' must match");
        assertError("constraints:\n  - {attribute: label.zone, operator: regexp, value: '(eu'}\n" + groups,
                "constraints[0].value", 2, 54, "is not a valid regular expression");
        assertError("constraints:\n  - {attribute: label.gpu, operator: exists, value: 'yes'}\n" + groups,
                "constraints[0].value", 2, 53, "operator exists takes no value");
        assertError("constraints:\n  - {attribute: label.gpu, operator: '!='}\n" + groups,
                "constraints[0].value", 2, 5, "is required for operator !=");
        assertError("constraints:\n  - {attribute: label.zone, operator: in, value: 'a,,b'}\n" + groups,
                "constraints[0].value", 2, 50, "comma-separated list of non-empty values");
        assertError("constraints:\n  - {attribute: node.id, value: web-1}\n" + groups,
                "constraints[0].value", 2, 33, "'web-1' is not a node id");
        assertError("groups:\n  - name: g\n    constraints: [{attribute: os, value: linux, wat: 1}]\n    "
                + TASK + "\n", "groups[0].constraints[0].wat", 3, 49, "unknown field 'wat'");
    }

    @Test
    void resourceLimitsTheTaskMayRequire() throws Exception {
        JobSpec spec = PARSER.parse(("groups:\n  - name: g\n    tasks:\n      - {name: t, driver: exec, command: x,"
                + " resources: {memory: 32, pids: 100, enforce: true}}\n"), "limits.yaml");
        TaskGroup g = spec.groups().get(0);
        assertEquals(new TaskResources(100, 32, 100, true), g.tasks().get(0).resources());
        assertTrue(g.requiresLimits());
        String json = new String(JobSpecJson.toJson(spec), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"resources\":{\"cpu\":100,\"memory\":32,\"pids\":100,\"enforce\":true}"), json);
        JobSpec plain = PARSER.parse("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x}]\n", "plain.yaml");
        String plainJson = new String(JobSpecJson.toJson(plain), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(plainJson.contains("\"resources\":{\"cpu\":100,\"memory\":64}"), "unset keys keep the old canonical form: " + plainJson);
        assertFalse(plain.groups().get(0).requiresLimits());
    }

    @Test
    void numbersOutOfRange() {
        assertError("priority: 101\ngroups: [{name: g, " + TASK + "}]\n", "priority", 1, 11, "must be at most 100");
        assertError("groups:\n  - name: g\n    count: 100001\n    " + TASK + "\n",
                "groups[0].count", 3, 12, "must be at most 100000");
        assertError("groups:\n  - name: g\n    count: 99999999999999999999999\n    " + TASK + "\n",
                "groups[0].count", 3, 12, "must be at most 100000");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x, resources: {cpu: 0}}]\n",
                "groups[0].tasks[0].resources.cpu", 3, 66, "must be a positive integer");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x, resources: {pids: 0}}]\n",
                "groups[0].tasks[0].resources.pids", 3, 67, "must be a positive integer");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x, resources: {enforce: maybe}}]\n",
                "groups[0].tasks[0].resources.enforce", 3, 70, "true or false");
        assertError("type: system\ngroups:\n  - name: g\n    count: 3\n    " + TASK + "\n",
                "groups[0].count", 4, 12, "must be 1 for system jobs");
        assertError("groups:\n  - name: g\n    restart: {attempts: -1}\n    " + TASK + "\n",
                "groups[0].restart.attempts", 3, 25, "must be a non-negative integer");
        assertError("groups:\n  - name: g\n    reschedule: {attempts: -2}\n    " + TASK + "\n",
                "groups[0].reschedule.attempts", 3, 28, "or -1 / \"unlimited\" for no limit");
    }

    @Test
    void durations() {
        assertError("timeout: 5 minutes\ngroups: [{name: g, " + TASK + "}]\n", "timeout", 1, 10,
                "must be a duration");
        assertError("timeout: 0\ngroups: [{name: g, " + TASK + "}]\n", "timeout", 1, 10, "must be at least 1 second");
        assertError("groups:\n  - name: g\n    restart: {delay: 1m, max_delay: 30s}\n    " + TASK + "\n",
                "groups[0].restart.max_delay", 3, 37, "must be at least delay (60s)");
        assertError("groups:\n  - name: g\n    restart: {mode: retry}\n    " + TASK + "\n",
                "groups[0].restart.mode", 3, 21, "must be one of fail, delay");
        assertError("timeout: 400d\ngroups: [{name: g, " + TASK + "}]\n", "timeout", 1, 10, "must be a duration");
        assertError("timeout: 9000h\ngroups: [{name: g, " + TASK + "}]\n", "timeout", 1, 10, "must be at most");
    }

    @Test
    void namesEnvUserAndWorkdir() {
        assertError("id: My_Job\ngroups: [{name: g, " + TASK + "}]\n", "id", 1, 5, "is not a valid name");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x, env: {1BAD: v}}]\n",
                "groups[0].tasks[0].env.1BAD", 3, 55, "is not a valid variable name");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x, user: 'root;rm'}]\n",
                "groups[0].tasks[0].user", 3, 55, "is not a user name, uid or uid:gid");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: x, workdir: tmp}]\n",
                "groups[0].tasks[0].workdir", 3, 58, "must be an absolute path");
        assertError("groups:\n  - name: g\n    tasks: [{name: t, driver: exec, command: '  '}]\n",
                "groups[0].tasks[0].command", 3, 46, "must not be blank");
    }

    @Test
    void syntaxErrorsAreLocated() {
        SpecError yaml = errorsOf("id: x\ngroups:\n  - name: a\n    tasks: [\n  - foo\n").get(0);
        assertEquals(5, yaml.line());
        assertEquals(3, yaml.column());
        assertTrue(yaml.message().startsWith("invalid YAML: "), yaml.message());

        SpecError json = errorsOf("{\"id\": \"x\", \"groups\": [ {\"name\": \"a\",, } ]}").get(0);
        assertEquals(1, json.line());
        assertEquals(38, json.column());
        assertTrue(json.message().startsWith("invalid JSON: Unexpected character (','"), json.message());
        assertEquals("groups[0].name", json.path());

        assertEquals("only one YAML document is allowed",
                errorsOf("groups: []\n---\nid: x\n").stream().map(SpecError::message)
                        .filter(m -> m.contains("document")).findFirst().orElseThrow());
        assertEquals("the job spec is empty", errorsOf("   \n").get(0).message());
    }

    @Test
    void rejectsOversizedSpecsBeforeParsing() {
        String big = "# " + "x".repeat(JobSpecLimits.MAX_SPEC_BYTES) + "\n";
        JobSpecException e = assertThrows(JobSpecException.class, () -> PARSER.parse(big));
        assertTrue(e.errors().get(0).message().contains("the limit is 1048576"));
        assertThrows(JobSpecException.class,
                () -> PARSER.parse(big.getBytes(StandardCharsets.UTF_8), SpecFormat.YAML, "big.yaml"));
    }

    @Test
    void rejectsTooManyItems() {
        StringBuilder sb = new StringBuilder("groups:\n  - name: g\n    " + TASK + "\n    constraints:\n");
        for (int i = 0; i <= JobSpecLimits.MAX_CONSTRAINTS; i++) {
            sb.append("      - {attribute: os, value: linux}\n");
        }
        assertError(sb.toString(), "groups[0].constraints", 5, 7, "at most 64 constraints are allowed, found 65");
    }

    @Test
    void parseFileUsesTheExtensionAndPrefixesTheFileName(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("job.json");
        Files.writeString(file, "{\"groups\": 1}");
        JobSpecException e = assertThrows(JobSpecException.class, () -> PARSER.parseFile(file));
        assertEquals(file + ": groups: must be a list, not the number 1 (line 1, column 12)", e.getMessage());
    }
}
