package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

/** Argument parsing and exit codes that need no server: every case here fails before any request. */
class UsageTest {
    /** Nothing listens here: a command that wrongly reached the network would fail with exit 1, not 2. */
    private static final Map<String, String> ENV = Map.of("MUSTER_ADDR", "http://127.0.0.1:1");

    private static Run muster(String... args) {
        return Run.muster(ENV, args);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",                                             // no subcommand
            "frobnicate",                                   // unknown subcommand
            "cluster status --bogus",                       // unknown flag
            "--bogus cluster status",
            "node",                                         // group without a subcommand
            "node tokens",
            "-o xml cluster status",                        // bad enum
            "node eligibility 7",                           // neither --enable nor --disable
            "node eligibility 7 --enable --disable",
            "node status",                                  // missing ID
            "node generate-worker-token --labels role",     // not k=v
            "node generate-worker-token --labels a=1,a=2",  // duplicate key
            "node generate-worker-token --labels bad!key=1",
            "node generate-worker-token --valid-for 0",
            "node generate-worker-token --max-uses -1",
            "node generate-worker-token --valid-for soon",
            "job run",                                      // no file, no target
            "job run a.yaml b.yaml",
            "job run -t all",                               // target without command
            "job run -t everywhere -- echo hi",             // bad target
            "job run -t group: -- echo hi",
            "job run -t all ping",                          // operation shorthand: backend without action
            "job run -t all apt install nginx",             // parameter not key=value
            "job cancel",                                   // missing ID
            "job run --timeout 5 job.yaml",                 // --timeout without --wait
            "job list --limit 0",
            "cluster add-server --id 4 --raft-addr nohost --api-addr 127.0.0.1:3699",
            "cluster add-server --raft-addr 127.0.0.1:9004 --api-addr 127.0.0.1:3699",
            "cluster remove-server two",
            "raft log list --limit 0",
            "server",                                       // --config missing
            "worker",                                       // neither --config nor --server
            "worker --server 127.0.0.1:3670",               // no token, no identity
            "worker --discover",                            // discovery needs the token: it names the cluster and its CA
            "worker --server 127.0.0.1:3670 --token a --token-file b",
            "worker --server nohost --token t",
            "worker --config w.yaml --server 127.0.0.1:3670",
            "worker --server 127.0.0.1:3670 --token t --cgroup-parent ../escape", // one cgroup name, not a path
            "-a ftp://x:1 cluster status",
            "completion",                                   // shell missing
            "completion fish",
    })
    void usageErrorsExitTwo(String line) {
        Run r = muster(line.isEmpty() ? new String[0] : line.split(" "));
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.out().isEmpty(), r::toString);
        assertTrue(!r.err().isBlank(), r::toString);
    }

    @Test
    void unknownFlagNamesTheFlagAndShowsUsage() {
        Run r = muster("node", "list", "--nope");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Unknown option: '--nope'"), r::toString);
        assertTrue(r.err().contains("Usage: muster node list"), r::toString);
    }

    @Test
    void labelErrorsSayWhatIsWrong() {
        Run r = muster("node", "generate-worker-token", "--labels", "zone=eu-1,role");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'role' is not key=value"), r::toString);
        r = muster("node", "generate-worker-token", "--labels", "zone=eu 1");
        assertTrue(r.err().contains("values must be 0-63 characters"), r::toString);
    }

    @Test
    void labelParsing() {
        assertEquals(Map.of("zone", "eu-1", "role", "web", "empty", ""), Labels.parse("zone=eu-1, role=web,empty="));
        assertEquals(Map.of(), Labels.parse(""));
        assertThrows(TypeConversionException.class, () -> Labels.parse("=x"));
        assertThrows(TypeConversionException.class, () -> Labels.parse("a=1,,b=2"));
        assertThrows(TypeConversionException.class, () -> Labels.parse("k=v=w"));
    }

    @Test
    void helpAndVersionExitZero() {
        Run help = muster("--help");
        assertEquals(0, help.code());
        for (String cmd : new String[] {"dev", "server", "worker", "acl", "node", "job", "cluster", "raft", "system", "loadtest", "version", "completion"})
            assertTrue(help.out().contains("  " + cmd), "help lists " + cmd + "\n" + help.out());
        Run sub = muster("job", "run", "--help");
        assertEquals(0, sub.code());
        assertTrue(sub.out().contains("--wait") && sub.out().contains("--acl-token"), sub.out());
        assertTrue(sub.out().contains("muster job run -t group:web --wait apt install package=nginx"), "the operation shorthand has an example\n" + sub.out());
        Run job = muster("job", "--help");
        assertTrue(job.out().contains("  cancel") && job.out().contains("Cancel an operation job"), job.out());
        Run v = muster("version");
        assertEquals(0, v.code(), v::toString);
        assertTrue(v.out().startsWith("muster "), v.out());
        assertEquals(0, muster("--version").code());
        Run vj = muster("version", "-o", "json");
        assertTrue(vj.out().contains("\"version\""), vj.out());
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheSubcommand() {
        // Both forms parse; the call then fails to connect (exit 1), proving the options were accepted.
        assertEquals(1, muster("-o", "json", "cluster", "status").code());
        assertEquals(1, muster("cluster", "status", "--output", "JSON", "--acl-token", "t").code());
    }

    @Test
    void missingJobFileIsAClearFailure() {
        Run r = muster("job", "run", "/nonexistent/web.yaml");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: job spec /nonexistent/web.yaml does not exist", r.errLine());
    }

    @Test
    void unreachableServerIsOneLine() {
        Run r = muster("node", "list");
        assertEquals(1, r.code());
        assertTrue(r.errLine().startsWith("Error: cannot reach the Muster API at http://127.0.0.1:1: connection refused"), r::toString);
    }

    @Test
    void serverConfigErrorsNameFieldAndLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("server.yaml");
        java.nio.file.Files.writeString(f, "data_dir: /tmp/x\ncluster:\n  mode: raft\n  node_id: 1\n  peerz: []\n");
        Run r = muster("server", "--config", f.toString());
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().startsWith("Error: " + f), r::toString);
        assertTrue(r.err().contains("peerz") && r.err().contains("line"), r::toString);
    }

    @Test
    void completionPrintsABashScriptForTheWholeTree() {
        for (String shell : new String[] {"bash", "zsh"}) {
            Run r = muster("completion", shell);
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("complete -F") && r.out().contains("_picocli_muster"), "a bash completion function\n" + r.out());
            for (String sub : new String[] {"node", "job", "cluster", "generate-worker-token", "completion", "install", "loadtest", "--addr"})
                assertTrue(r.out().contains(sub), shell + " script mentions " + sub);
        }
        assertTrue(muster("completion", "zsh").out().contains("bashcompinit"), "zsh loads it through bashcompinit");
        assertTrue(muster("completion", "bash").out().contains("_picocli_muster_job_cancel"), "job cancel completes");
    }

    /** Main builds only the branch a command line names; anything uncertain gets the whole tree. */
    @Test
    void onlyTheNamedSubcommandIsBuilt() {
        assertEquals("node", Main.subcommandNamed("node", "list"));
        assertEquals("node", Main.subcommandNamed("-a", "http://x:1", "-o", "json", "--acl-token", "t", "--ca-cert", "c", "node", "list"));
        assertEquals("node", Main.subcommandNamed("--addr=http://x:1", "-ojson", "--output=json", "node", "list"));
        assertEquals("loadtest", Main.subcommandNamed("loadtest", "--help"));
        assertEquals(null, Main.subcommandNamed());
        assertEquals(null, Main.subcommandNamed("--help", "node"));
        assertEquals(null, Main.subcommandNamed("-V"));
        assertEquals(null, Main.subcommandNamed("--bogus", "node", "list"));
        assertEquals(null, Main.subcommandNamed("nodes", "list"));
        assertEquals(null, Main.subcommandNamed("-a"));
        var tree = Main.commandLine(new MusterCommand(Map.of()), "node");
        assertEquals(java.util.Set.of("node"), tree.getSubcommands().keySet());
        assertEquals(new java.util.LinkedHashSet<>(MusterCommand.SUBCOMMANDS), Main.commandLine(new MusterCommand(Map.of())).getSubcommands().keySet());
    }

    /** Under the named branch only the named subcommand is built too; help, unknown names and options get all of them. */
    @Test
    void onlyTheNamedNestedSubcommandIsBuilt() {
        assertEquals("list", Main.nestedNamed("node", "list"));
        assertEquals("list", Main.nestedNamed("node", "-o", "json", "--addr=http://x:1", "list", "--help"));
        assertEquals("status", Main.nestedNamed("-a", "http://x:1", "job", "status", "web"));
        assertEquals(null, Main.nestedNamed("node", "--help", "list"));
        assertEquals(null, Main.nestedNamed("node"));
        assertEquals(null, Main.nestedNamed("nodes", "list"));
        java.util.function.BiFunction<String, String, java.util.Set<String>> built = (top, nested) ->
                Main.commandLine(new MusterCommand(Map.of()), top, nested).getSubcommands().get(top).getSubcommands().keySet();
        assertEquals(java.util.Set.of("list"), built.apply("node", "list"));
        assertEquals(java.util.Set.of("tokens"), built.apply("node", "tokens"));
        assertEquals(java.util.Set.of("run"), built.apply("job", "run"));
        assertEquals(java.util.Set.of("log"), built.apply("raft", "log"));
        var everyNodeCommand = java.util.List.of("tokens", "generate-worker-token", "list", "status", "drain", "eligibility", "revoke");
        assertEquals(java.util.Set.copyOf(everyNodeCommand), built.apply("node", null));
        assertEquals(java.util.Set.copyOf(everyNodeCommand), built.apply("node", "lst"), "an unknown name gets every candidate for the suggestion");
        // The whole tree lists class subcommands first, as picocli did when they were in the annotation.
        assertEquals(everyNodeCommand.getFirst(),
                Main.commandLine(new MusterCommand(Map.of())).getSubcommands().get("node").getSubcommands().keySet().iterator().next());
    }

    @Test
    void aBadGlobalOptionBeforeTheSubcommandStillShowsEverySubcommand() {
        Run r = muster("-o", "xml", "node", "list");
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("-o") && r.err().contains("xml"), r::toString);
        for (String cmd : new String[] {"dev", "node", "job", "completion", "loadtest"}) assertTrue(r.err().contains("  " + cmd), r::toString);
    }
}
