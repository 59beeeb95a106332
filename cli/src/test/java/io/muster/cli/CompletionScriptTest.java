package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code muster completion bash} as bash uses it: the script is sourced and its completion function is called the way
 * bash calls it on TAB (COMP_WORDS, COMP_CWORD), and COMPREPLY must hold the words a person would be offered.
 */
class CompletionScriptTest {
    @TempDir
    static Path dir;

    private static Path script(String shell) throws Exception {
        Path file = dir.resolve("muster." + shell);
        if (!Files.exists(file)) {
            Run r = Run.muster(Map.of(), "completion", shell);
            assertEquals(0, r.code(), r::toString);
            Files.writeString(file, r.out());
        }
        return file;
    }

    /** The candidates bash would offer for {@code line} (the cursor at its end; a trailing space starts a new word). */
    private static List<String> complete(String shell, String line) throws Exception {
        String words = line.endsWith(" ") ? line + "''" : line;
        String cmd = "source " + script(shell) + " 2>/dev/null; COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));"
                + " COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; _complete_muster 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("bash", "--norc", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> !l.isBlank()).sorted().toList();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "bash | muster no             | node",
            "bash | muster job ca         | cancel",
            "bash | muster node list --ou | --output",
            "bash | muster completion     | completion",
            "bash | muster worker ins     | install",
            "zsh  | muster clu            | cluster",     // the zsh script is the same function, loaded through bashcompinit
    })
    void aPrefixCompletesToTheOneWordItStarts(String shell, String line, String expected) throws Exception {
        assertEquals(List.of(expected), complete(shell, line));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"bash", "zsh"})
    void anEmptyWordOffersEveryTopLevelSubcommand(String shell) throws Exception {
        List<String> offered = complete(shell, "muster ");
        for (String sub : MusterCommand.SUBCOMMANDS) assertTrue(offered.contains(sub), sub + " offered: " + offered);
        assertTrue(complete(shell, "muster node ").containsAll(List.of("list", "drain")), "node's own subcommands");
    }
}
