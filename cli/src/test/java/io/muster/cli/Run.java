package io.muster.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;

/** Runs {@link Main#execute} with captured streams and a chosen environment (never the real one). */
record Run(int code, String out, String err) {

    static Run muster(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(env, new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** With {@code stdin} as standard input ({@code secret put NAME -}). */
    static Run withStdin(Map<String, String> env, byte[] stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(env, new java.io.ByteArrayInputStream(stdin), new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Against {@code api}, with no token in the environment. */
    static Run against(FakeApi api, String... args) {
        return muster(Map.of("MUSTER_ADDR", api.url()), args);
    }

    static Map<String, String> env(FakeApi api, String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("MUSTER_ADDR", api.url());
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    /** stderr holds exactly one non-empty line. */
    String errLine() {
        var lines = err.strip().lines().toList();
        if (lines.size() != 1) throw new AssertionError("expected one stderr line, got:\n" + err);
        return lines.getFirst();
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
