package io.muster.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.muster.client.MusterClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** What a command needs at run time: its output streams, the output format and an API client. */
final class Cli {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final PrintWriter out;
    final PrintWriter err;
    final MusterCommand root;
    private final CommandSpec spec;

    private Cli(CommandSpec spec) {
        this.spec = spec;
        this.root = (MusterCommand) spec.root().userObject();
        this.out = spec.commandLine().getOut();
        this.err = spec.commandLine().getErr();
    }

    static Cli of(CommandSpec spec) {
        return new Cli(spec);
    }

    boolean json() {
        return root.global.output == GlobalOptions.Format.json;
    }

    String env(String name) {
        String v = root.env.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    /** A client from the global options, falling back to MUSTER_ADDR, MUSTER_ACL_TOKEN and MUSTER_CACERT. */
    MusterClient client() {
        GlobalOptions g = root.global;
        String addr = g.addr != null ? g.addr : env(MusterClient.ENV_ADDR);
        String token = g.aclToken != null ? g.aclToken : env(MusterClient.ENV_TOKEN);
        Path ca = g.caCert != null ? g.caCert : env(MusterClient.ENV_CACERT) != null ? Path.of(env(MusterClient.ENV_CACERT)) : null;
        try {
            MusterClient.normalizeAddress(addr == null ? MusterClient.DEFAULT_ADDR : addr, ca != null);
        } catch (IllegalArgumentException e) {
            throw usage("--addr: " + e.getMessage());
        }
        return root.track(MusterClient.builder().address(addr).token(token).caCert(ca).build());
    }

    /** A usage error (exit 2) reported the way picocli reports its own. */
    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Pretty JSON on stdout; an empty answer prints as {} so scripts can always parse it. */
    int printJson(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) node = JSON.createObjectNode();
        try {
            out.println(JSON.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new CliFailure("cannot print JSON: " + e.getOriginalMessage());
        }
        out.flush();
        return 0;
    }
}
