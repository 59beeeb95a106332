package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Request bodies on a secure server: an unauthenticated body is never read, uploads never reach the disk, and a
 * body over the limit is answered 413 on every endpoint without changing anything.
 */
@Timeout(180)
class RequestBodyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(30);
    /** Where Vert.x's BodyHandler streams uploads by default: relative to the server's working directory. */
    private static final Path UPLOADS = Path.of("file-uploads").toAbsolutePath();
    private static final String BOUNDARY = "muster-test-boundary";

    private static TestCluster cluster;
    private static HttpClient http;
    private static String url;
    private static String token;

    @BeforeAll
    static void startSecureServer() throws Exception {
        cluster = TestCluster.builder(1).secure().build().startAll();
        MusterServer server = cluster.awaitLeader(T);
        server.ready().get(30, TimeUnit.SECONDS);
        X509Certificate ca = Pem.readCertificate(cluster.config(1).dataDir().resolve("ca.pem"));
        String clusterId = server.state().identity().orElseThrow().clusterId();
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, new TrustManager[] {new ClusterServerTrustManager(ca, clusterId, Clock.systemUTC())}, null);
        http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        url = cluster.apiUrl(1);
        Await.until("API up", T, () -> {
            try {
                return send(request("/v1/health").GET(), null).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        HttpResponse<String> r = send(request("/v1/acl/bootstrap").POST(HttpRequest.BodyPublishers.noBody()), null);
        assertEquals(200, r.statusCode(), r.body());
        token = JSON.readTree(r.body()).get("secret_id").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    /** A directory left by a build from before uploads were turned off must not mask (or fake) a result. */
    @BeforeEach
    void noUploadsDirectory() throws Exception {
        if (!Files.exists(UPLOADS)) return;
        try (Stream<Path> walk = Files.walk(UPLOADS)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void anUnauthenticatedMultipartUploadIsRefusedAndNeverWritten() throws Exception {
        HttpResponse<String> r = send(request("/v1/jobs").header("content-type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(2 * 1024 * 1024))), null);
        assertEquals(401, r.statusCode(), r.body());
        assertEquals("ACL_TOKEN_MISSING", JSON.readTree(r.body()).get("code").asText());
        assertFalse(Files.exists(UPLOADS), "an unauthenticated upload created " + UPLOADS);
    }

    @Test
    void anAuthenticatedMultipartUploadIsNotWrittenEither() throws Exception {
        HttpResponse<String> r = send(request("/v1/jobs").header("content-type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(256 * 1024))), token);
        assertEquals(400, r.statusCode(), r.body());
        assertFalse(Files.exists(UPLOADS), "an upload created " + UPLOADS);
    }

    @Test
    void anOversizeJobSpecIs413AndRegistersNothing() throws Exception {
        String spec = "{\"id\": \"big\", \"type\": \"batch\", \"groups\": [{\"name\": \"g\", \"count\": 1, \"tasks\": [{\"name\": \"t\","
                + " \"driver\": \"exec\", \"command\": \"true\", \"env\": {\"PAD\": \"" + "x".repeat(5 * 1024 * 1024) + "\"}}]}]}";
        byte[] body = spec.getBytes(StandardCharsets.UTF_8);
        // With a Content-Length (refused before reading) and chunked (refused once the limit is passed).
        assertTooLarge(send(request("/v1/jobs").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), token));
        assertTooLarge(send(request("/v1/jobs").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))), token));
        assertEquals(404, send(request("/v1/jobs/big").GET(), token).statusCode(), "the job must not exist");
        // Every endpoint, not only jobs.
        assertTooLarge(send(request("/v1/node/tokens").POST(HttpRequest.BodyPublishers.ofByteArray(body)), token));
        assertTooLarge(send(request("/v1/kv/big").PUT(HttpRequest.BodyPublishers.ofByteArray(body)), token));
        assertEquals(0, JSON.readTree(send(request("/v1/node/tokens").GET(), token).body()).size(), "no token was made");
        assertEquals(404, send(request("/v1/kv/big").GET(), token).statusCode(), "no key was written");
    }

    private static void assertTooLarge(HttpResponse<String> r) throws Exception {
        assertEquals(413, r.statusCode(), r.body());
        JsonNode n = JSON.readTree(r.body());
        assertEquals("PAYLOAD_TOO_LARGE", n.get("code").asText(), r.body());
        assertTrue(n.get("error").asText().endsWith("limit 4 MiB"), r.body());
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30));
    }

    private static HttpResponse<String> send(HttpRequest.Builder b, String token) throws Exception {
        if (token != null) b.header("X-Muster-Token", token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] multipart(int fileBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[fileBytes]);
        out.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
