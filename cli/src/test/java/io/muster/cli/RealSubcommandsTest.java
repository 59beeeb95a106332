package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The subcommands from other packages (install, loadtest) register without clashing with the global options. */
class RealSubcommandsTest {
    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void loadtestAndInstallCommandsAreTheRealOnes() {
        for (String[] cmd : new String[][] {{"loadtest", "--help"}, {"worker", "install", "--help"}, {"server", "install", "--help"}}) {
            String[] r = run(cmd);
            assertEquals("0", r[0], String.join(" ", cmd) + ": " + r[2]);
            assertFalse(r[2].contains("Warning"), r[2]);
        }
        assertTrue(run("loadtest", "--help")[1].contains("--workers"));
    }
}
