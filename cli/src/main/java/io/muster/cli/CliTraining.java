package io.muster.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The training run from which {@code bin/muster} makes a client's start-up archive (a CDS archive, or an AOT cache on
 * JDK 25+): the JVM keeps the classes, and on JDK 25 the linked lambdas and method handles, that this run used. It runs
 * typical commands ({@code node list}, {@code job status}, {@code job list}) in full, request to printed table, against a
 * throwaway loopback server that answers each with a small canned API answer, so the archive holds the JSON reading and
 * table printing too and not only the way to a connection error. Nothing of the user's (address, token, CA) is used;
 * the output goes nowhere.
 */
public final class CliTraining {
    private CliTraining() {}

    /** Canned answers by request path; anything else is a 404 (its error path is worth archiving too). */
    static final Map<String, String> ANSWERS = Map.of(
            "/v1/nodes", """
                    [{"id":1,"state":"ready","eligible":true,"labels":{"zone":"a"},"os":"linux","arch":"amd64","last_heartbeat":"2026-01-01T00:00:00Z",\
                    "ttl_secs":16,"drain":"none","hostname":"training","drivers":["exec"],"cpu_mhz":2000,"memory_mb":2048,"allocs":1,\
                    "registered_at":"2026-01-01T00:00:00Z","state_changed_at":"2026-01-01T00:00:00Z","cpu_cores":2,"version":"dev"}]""",
            "/v1/jobs/training", """
                    {"id":"training","type":"batch","version":1,"status":"complete","submitted_at":"2026-01-01T00:00:00Z","allocations":[\
                    {"id":"00000000-0000-4000-8000-000000000000","node_id":1,"status":"complete","exit_code":0,"job_id":"training","group":"g",\
                    "index":0,"desired":"run","message":"exited with code 0","attempt":0,"job_version":1,"started_at":"2026-01-01T00:00:00Z",\
                    "finished_at":"2026-01-01T00:00:01Z","events":[{"time":"2026-01-01T00:00:00Z","type":"started","message":"started"}],\
                    "events_total":1}],"failures":[]}""",
            "/v1/jobs", """
                    {"jobs":[{"id":"training","type":"batch","status":"complete","version":1,"allocations":{"pending":0,"running":0,\
                    "complete":1,"failed":0,"lost":0,"stopped":0},"runs":"true","submitted_at":"2026-01-01T00:00:00Z"}],"total":1,\
                    "next_offset":null}""");

    static final List<List<String>> COMMANDS = List.of(List.of("node", "list"), List.of("job", "status", "training"), List.of("job", "list"));

    public static void main(String[] args) throws IOException {
        PrintWriter sink = new PrintWriter(Writer.nullWriter());
        run(sink, sink);
        System.exit(0);
    }

    /** Runs {@link #COMMANDS} against the canned server; returns their exit codes (a test checks they all succeed). */
    static int[] run(PrintWriter out, PrintWriter err) throws IOException {
        int[] codes = new int[COMMANDS.size()];
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().name("training-api").start(() -> serve(server));
            Map<String, String> env = Map.of("MUSTER_ADDR", "http://" + server.getInetAddress().getHostAddress() + ":" + server.getLocalPort());
            for (int i = 0; i < codes.length; i++) codes[i] = Main.execute(env, out, err, COMMANDS.get(i).toArray(String[]::new));
        }
        return codes;
    }

    private static void serve(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                answer(s);
            } catch (IOException e) {
                // closed at the end of the run, or a client gone: nothing to do either way
            }
        }
    }

    /** HTTP/1.1 GETs on one connection until the client closes it. */
    private static void answer(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = s.getOutputStream();
        for (String requestLine; (requestLine = in.readLine()) != null; ) {
            for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
                // no request here has a body
            }
            String[] parts = requestLine.split(" ");
            String path = parts.length > 1 ? parts[1].replaceFirst("\\?.*", "") : "";
            String body = ANSWERS.get(path);
            int status = body == null ? 404 : 200;
            if (body == null) body = "{\"error\":\"not found\"}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
        }
    }
}
