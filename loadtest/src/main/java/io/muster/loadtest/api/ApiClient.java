package io.muster.loadtest.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few REST calls the load test makes. Follows the servers' 307 leader redirects itself (resending the
 * same method and body), sends {@code X-Muster-Token} when given, and trusts only the cluster CA for https.
 */
public final class ApiClient {
    public static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public record IssuedToken(String token, String tokenId, int maxUses, List<String> workerServers) {
        @Override
        public String toString() {
            return "IssuedToken[" + tokenId + "]"; // never the secret
        }
    }

    public record NodeView(long id, String state) {}

    public record AllocView(String id, @JsonProperty("node_id") long nodeId, String status, String desired) {
        public boolean live() {
            return "run".equals(desired) && ("pending".equals(status) || "running".equals(status));
        }
    }

    public record JobStatus(String id, String status, List<AllocView> allocations) {}

    /** Allocation counts of one job, from the job list. */
    public record JobCounts(String id, String status, Map<String, Integer> allocations) {
        public int total() {
            return allocations == null ? 0 : allocations.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private record JobPage(List<JobCounts> jobs, int total) {}

    private final URI base;
    private final String aclToken;
    private final HttpClient http;

    public ApiClient(String baseUrl, String aclToken, Path caCert) throws IOException, GeneralSecurityException {
        String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        if (!b.startsWith("http://") && !b.startsWith("https://")) b = (caCert != null ? "https://" : "http://") + b;
        this.base = URI.create(b);
        this.aclToken = aclToken == null || aclToken.isBlank() ? null : aclToken;
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER);
        if (b.startsWith("https://")) {
            if (caCert == null) throw new IOException("the API " + b + " is https: pass --ca-cert with the cluster CA (<data_dir>/ca.pem of a server)");
            hb.sslContext(io.muster.client.ClusterTrust.sslContext(caCert));
        }
        this.http = hb.build();
    }

    public String baseUrl() {
        return base.toString();
    }

    public JsonNode get(String path) throws ApiException {
        return send("GET", path, null, null, DEFAULT_TIMEOUT);
    }

    public JsonNode send(String method, String path, String body, String contentType, Duration timeout) throws ApiException {
        try (InputStream in = call(method, path, body, contentType, timeout)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new ApiException("cannot read the answer of " + method + " " + base + path + ": " + e.getMessage(), e);
        }
    }

    private <T> T sendAs(String method, String path, TypeReference<T> type, Duration timeout) throws ApiException {
        try (InputStream in = call(method, path, null, null, timeout)) {
            return JSON.readValue(in, type); // streamed: a job with 100,000 allocations never becomes a tree
        } catch (IOException e) {
            throw new ApiException("cannot read the answer of " + method + " " + base + path + ": " + e.getMessage(), e);
        }
    }

    /** Sends a request, following leader redirects; returns the 2xx body or throws with the server's error text. */
    private InputStream call(String method, String path, String body, String contentType, Duration timeout) throws ApiException {
        URI uri = base.resolve(path);
        for (int hop = 0; hop < 4; hop++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout).header("accept", "application/json");
            if (aclToken != null) rb.header("X-Muster-Token", aclToken);
            if (body != null) {
                rb.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
                rb.header("content-type", contentType == null ? "application/json" : contentType);
            } else {
                rb.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<InputStream> resp;
            try {
                resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new ApiException("cannot reach the API at " + uri.getScheme() + "://" + uri.getAuthority() + " (" + method + " " + uri.getPath()
                        + "): " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException("interrupted while calling " + uri, e);
            }
            int status = resp.statusCode();
            if (status == 307 || status == 308) {
                String loc = resp.headers().firstValue("location").orElse(null);
                drain(resp.body());
                if (loc == null) throw new ApiException(status, "REDIRECT", "redirect without a location from " + uri);
                uri = uri.resolve(loc);
                continue;
            }
            if (status / 100 == 2) return resp.body();
            String text;
            try (InputStream in = resp.body()) {
                text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
            }
            String code = "HTTP_" + status;
            String message = text.isBlank() ? "HTTP " + status : text.strip();
            try {
                JsonNode n = JSON.readTree(text);
                if (n != null && n.has("error")) {
                    message = n.get("error").asText();
                    code = n.path("code").asText(code);
                }
            } catch (IOException | RuntimeException e) {
                // not JSON: keep the raw text
            }
            throw new ApiException(status, code, method + " " + uri.getPath() + " failed with " + status + " " + code + ": " + message);
        }
        throw new ApiException(508, "REDIRECT_LOOP", "too many redirects from " + base + path);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.net.ConnectException) return "connection refused" + (m == null || m.isBlank() ? "" : " (" + m + ")");
        if (e instanceof java.net.http.HttpTimeoutException) return "timed out";
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the redirect body is irrelevant
        }
    }

    // ---- the calls ----

    public JsonNode clusterStatus(boolean stale) throws ApiException {
        return send("GET", "/v1/cluster/status" + (stale ? "?stale=true" : ""), null, null, Duration.ofSeconds(5));
    }

    /** The leader this server knows of (stale read: any server answers, even during an election). */
    public Optional<Integer> leaderId() throws ApiException {
        JsonNode n = clusterStatus(true);
        return n.hasNonNull("leader_id") ? Optional.of(n.get("leader_id").asInt()) : Optional.empty();
    }

    public IssuedToken createToken(long validForSecs, int maxUses, Map<String, String> labels) throws ApiException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("valid_for_secs", validForSecs);
        body.put("max_uses", maxUses);
        body.put("labels", labels);
        body.put("description", "muster loadtest");
        JsonNode n = send("POST", "/v1/node/tokens", json(body), "application/json", DEFAULT_TIMEOUT);
        List<String> servers = new ArrayList<>();
        n.path("servers").forEach(s -> servers.add(s.asText()));
        if (servers.isEmpty()) { // a server older than the "servers" field: the addresses are only in the command line
            Matcher m = Pattern.compile("--server (\\S+)").matcher(n.path("join_command").asText(""));
            while (m.find()) servers.add(m.group(1));
        }
        return new IssuedToken(n.path("token").asText(), n.path("token_id").asText(), n.path("max_uses").asInt(), servers);
    }

    /** {max_uses, uses} of a bootstrap token, if the cluster lists it. */
    public Optional<int[]> tokenUses(String tokenId) throws ApiException {
        for (JsonNode t : get("/v1/node/tokens")) {
            if (tokenId.equals(t.path("token_id").asText())) return Optional.of(new int[] {t.path("max_uses").asInt(), t.path("uses").asInt()});
        }
        return Optional.empty();
    }

    public List<NodeView> nodes() throws ApiException {
        return sendAs("GET", "/v1/nodes", new TypeReference<List<NodeView>>() {}, Duration.ofSeconds(60));
    }

    public JsonNode submitJob(String specJson) throws ApiException {
        return send("POST", "/v1/jobs", specJson, "application/json", DEFAULT_TIMEOUT);
    }

    /** The last page of the job list (newest jobs), where this run's jobs are. */
    public List<JobCounts> newestJobs() throws ApiException {
        JobPage first = sendAs("GET", "/v1/jobs?limit=1", new TypeReference<JobPage>() {}, DEFAULT_TIMEOUT);
        int offset = Math.max(0, first.total() - 1000);
        return sendAs("GET", "/v1/jobs?limit=1000&offset=" + offset, new TypeReference<JobPage>() {}, DEFAULT_TIMEOUT).jobs();
    }

    public JobStatus job(String id) throws ApiException {
        return sendAs("GET", "/v1/jobs/" + id, new TypeReference<JobStatus>() {}, Duration.ofSeconds(120));
    }

    public void stopJob(String id) throws ApiException {
        send("DELETE", "/v1/jobs/" + id, null, null, DEFAULT_TIMEOUT);
    }

    /** Asks the leader to hand over leadership; returns the new leader's id. */
    public int transferLeader() throws ApiException {
        return send("POST", "/v1/cluster/transfer-leader", "{}", "application/json", Duration.ofSeconds(30)).path("leader_id").asInt();
    }

    /** The smallest replicated write: used as a probe of "the cluster serves writes". */
    public void kvPut(String key, String value, Duration timeout) throws ApiException {
        send("PUT", "/v1/kv/" + key, value, "application/octet-stream", timeout);
    }

    public static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
