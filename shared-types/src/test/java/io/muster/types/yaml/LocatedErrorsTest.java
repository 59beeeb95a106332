package io.muster.types.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.config.ConfigException;
import io.muster.types.config.ConfigLoader;
import io.muster.types.job.JobSpecException;
import io.muster.types.job.JobSpecParser;
import io.muster.types.yaml.SourceTree.Obj;
import io.muster.types.yaml.SourceTree.Scalar;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Config files and job specs are read by the same located tree, and a misspelled key gets the same suggestion. */
class LocatedErrorsTest {
    @Test
    void aConfigErrorNamesFileFieldLineAndTheCloseKey() {
        String yaml = """
                cluster:
                  mode: single-node
                data_dri: /tmp/x
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadServer(yaml, "server.yaml", null));
        assertTrue(e.getMessage().startsWith("server.yaml"), e.getMessage());
        assertTrue(e.getMessage().contains("data_dri: unknown field (did you mean 'data_dir'?) (line 3, column 1)"),
                e.getMessage());
    }

    @Test
    void aJobSpecErrorNamesFileFieldLineAndTheCloseKey() {
        String yaml = """
                id: web
                groups:
                  - name: g
                    tasks:
                      - name: t
                        driver: exec
                        comand: /bin/true
                """;
        JobSpecException e = assertThrows(JobSpecException.class, () -> JobSpecParser.strict().parse(yaml, "web.yaml"));
        assertTrue(e.getMessage().contains("web.yaml: groups[0].tasks[0].comand: unknown field 'comand' (did you mean 'command'?) (line 7, column 9)"),
                e.getMessage());
    }

    @Test
    void oneSuggesterForBoth() {
        assertEquals("heartbeat_min_ttl", Suggestions.closest("heartbeat_min_tll", List.of("heartbeat_min_ttl", "heartbeat_max_ttl")));
        assertEquals("command", Suggestions.closest("COMAND", List.of("command", "args")));
        assertEquals(null, Suggestions.closest("banana", List.of("command", "args")));
    }

    @Test
    void treeKeepsKeyAndValueLocationsAndRejectsDuplicates() throws Exception {
        Obj root = (Obj) SourceTree.parse("a: 1\nb:\n  c: \"x\"\n");
        assertEquals(new SourceTree.Loc(2, 1), root.fields().get("b").keyLoc());
        Scalar c = (Scalar) ((Obj) root.entries().get("b")).entries().get("c");
        assertEquals(SourceTree.Kind.STRING, c.kind());
        assertEquals("line 3, column 6", c.where());
        SourceTree.SyntaxException dup = assertThrows(SourceTree.SyntaxException.class, () -> SourceTree.parse("a: 1\nb: 2\na: 3\n"));
        assertEquals("duplicate key 'a' (line 3, column 1; first at line 1)", dup.getMessage());
    }
}
