package io.muster.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * A small blocking client for the Muster REST API. Thread-safe; one instance per address.
 *
 * <p>Every call sends the ACL token (header {@value #TOKEN_HEADER}) when one is set, follows a follower's
 * 307/308 redirect to the leader keeping method, body and headers (never from https down to http), and turns
 * any non-2xx answer or transport failure into a {@link MusterApiException} with a one-line message.
 */
public final class MusterClient implements AutoCloseable {
    public static final String DEFAULT_ADDR = "http://127.0.0.1:3669";
    public static final String TOKEN_HEADER = "X-Muster-Token";
    public static final String ENV_ADDR = "MUSTER_ADDR";
    public static final String ENV_TOKEN = "MUSTER_ACL_TOKEN";
    public static final String ENV_CACERT = "MUSTER_CACERT";
    static final int MAX_REDIRECTS = 5;

    /** A raw answer: status, body bytes and the URI that finally answered (after redirects). */
    public record Response(int status, String contentType, byte[] body, URI uri) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final URI base;
    private final String token;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final boolean ownsHttp;
    /** Built for an http:// address without a CA: no TLS settings at all (see {@link PlainHttp}). */
    private final boolean plain;

    private MusterClient(URI base, String token, Duration requestTimeout, HttpClient http, boolean plain) {
        this.base = base;
        this.plain = plain;
        this.token = token;
        this.requestTimeout = requestTimeout;
        this.http = http;
        this.ownsHttp = false;
    }

    private MusterClient(Builder b) {
        this.ownsHttp = true;
        this.base = normalizeAddress(b.address, b.caCert != null);
        this.token = b.token == null || b.token.isBlank() ? null : b.token.strip();
        this.requestTimeout = b.requestTimeout;
        HttpClient.Builder hb = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER); // we follow leader redirects ourselves, see send()
        this.plain = "http".equals(base.getScheme()) && b.caCert == null;
        if (plain) {
            hb.sslContext(PlainHttp.noTls()).sslParameters(PlainHttp.parameters()); // see PlainHttp: no TLS set-up for http
        } else if (b.caCert != null) {
            try {
                hb.sslContext(ClusterTrust.sslContext(b.caCert));
            } catch (IOException | GeneralSecurityException e) {
                throw new MusterApiException(0, MusterApiException.TLS, "cannot use the CA certificate: " + e.getMessage(), e);
            }
        }
        this.http = hb.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String address = DEFAULT_ADDR;
        private String token;
        private Path caCert;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(60);

        public Builder address(String address) {
            this.address = address == null || address.isBlank() ? DEFAULT_ADDR : address;
            return this;
        }

        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** PEM file with the cluster CA: the only trust for https (see {@link ClusterTrust}). */
        public Builder caCert(Path caCert) {
            this.caCert = caCert;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = Objects.requireNonNull(d);
            return this;
        }

        public MusterClient build() {
            return new MusterClient(this);
        }
    }

    /**
     * {@code http(s)://host:port} with any path dropped; a bare {@code host:port} gets https when a CA is
     * configured (a CA only makes sense for TLS), http otherwise.
     */
    public static URI normalizeAddress(String addr, boolean tls) {
        String a = addr.strip();
        if (!a.contains("://")) a = (tls ? "https://" : "http://") + a;
        try {
            URI u = new URI(a);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()))
                throw new IllegalArgumentException("address " + addr + ": the scheme must be http or https");
            if (u.getHost() == null) throw new IllegalArgumentException("address " + addr + " has no host");
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), "/", null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("address " + addr + " is not a URL: " + e.getReason());
        }
    }

    public URI address() {
        return base;
    }

    /**
     * The same client (address, token, trust, connections) with another per-request timeout: e.g. a short one for
     * probes during a leader election. Closing the view does nothing; close the client it came from.
     */
    public MusterClient withRequestTimeout(Duration timeout) {
        return new MusterClient(base, token, Objects.requireNonNull(timeout), http, plain);
    }

    // ---------------------------------------------------------------- transport

    /** One request with leader-redirect following; any status is returned, only transport failures throw. */
    public Response send(String method, String pathAndQuery, byte[] body, String contentType) {
        HttpResponse<byte[]> r = exchangeFollowing(method, pathAndQuery, body, contentType, HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body(), r.request().uri());
    }

    /**
     * A GET whose 2xx body is read straight into {@code type} as it streams in, with no tree and no byte copy of the
     * whole answer: for the large answers (a job with 100,000 allocations). Non-2xx throws as {@link #call} does.
     */
    public <T> T read(String pathAndQuery, Class<T> type) {
        HttpResponse<InputStream> r = exchangeFollowing("GET", pathAndQuery, null, null, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() < 200 || r.statusCode() > 299) {
                throw error(new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(""), in.readNBytes(64 * 1024),
                        r.request().uri()));
            }
            return J.MAPPER.readValue(in, type);
        } catch (IOException e) {
            throw new MusterApiException(r.statusCode(), MusterApiException.BAD_RESPONSE, "cannot read the answer of " + r.request().uri().getPath()
                    + " from " + origin(r.request().uri()) + ": " + rootMessage(e), e);
        }
    }

    private <B> HttpResponse<B> exchangeFollowing(String method, String pathAndQuery, byte[] body, String contentType,
                                                  HttpResponse.BodyHandler<B> handler) {
        URI uri = base.resolve(pathAndQuery.startsWith("/") ? pathAndQuery.substring(1) : pathAndQuery);
        for (int hops = 0; ; hops++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", "application/json");
            if (token != null) rb.header(TOKEN_HEADER, token);
            if (body != null) rb.header("Content-Type", contentType == null ? "application/json" : contentType);
            rb.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            HttpResponse<B> r = exchange(rb.build(), handler);
            int sc = r.statusCode();
            if (sc != 307 && sc != 308) return r;
            if (r.body() instanceof InputStream in) discard(in);
            // A follower points at the leader. 307/308 mean "same method, same body", which is what we resend.
            if (hops >= MAX_REDIRECTS)
                throw new MusterApiException(0, MusterApiException.REDIRECT, "too many redirects (last to " + uri + "): no stable leader");
            String location = r.headers().firstValue("location").orElseThrow(() -> new MusterApiException(sc,
                    MusterApiException.REDIRECT, "the server answered " + sc + " without a Location header"));
            URI next = uri.resolve(location);
            if ("https".equals(uri.getScheme()) && !"https".equals(next.getScheme()))
                throw new MusterApiException(0, MusterApiException.REDIRECT, "refusing to follow a redirect from " + uri.getAuthority()
                        + " to " + next + ": it would drop TLS and expose the ACL token");
            if (plain && "https".equals(next.getScheme()))
                throw new MusterApiException(0, MusterApiException.REDIRECT, "the server at " + uri.getAuthority() + " redirected to " + next
                        + ": use that https address, with --ca-cert / MUSTER_CACERT set to the cluster's CA");
            uri = next;
        }
    }

    private static void discard(InputStream in) {
        try (in) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // a redirect's body says nothing we need
        }
    }

    private <B> HttpResponse<B> exchange(HttpRequest req, HttpResponse.BodyHandler<B> handler) {
        try {
            return http.send(req, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new MusterApiException(0, MusterApiException.TIMEOUT, "timed out connecting to the Muster API at " + origin(req.uri()), e);
        } catch (HttpTimeoutException e) {
            throw new MusterApiException(0, MusterApiException.TIMEOUT, "no answer from " + origin(req.uri()) + " within "
                    + requestTimeout.toSeconds() + "s (" + req.method() + " " + req.uri().getPath() + ")", e);
        } catch (IOException e) {
            SSLException tls = find(e, SSLException.class);
            if (tls != null) throw new MusterApiException(0, MusterApiException.TLS, "TLS with " + origin(req.uri()) + " failed: "
                    + rootMessage(tls) + " (is --ca-cert / MUSTER_CACERT this cluster's CA, <data_dir>/ca.pem on a server?)", e);
            String why = find(e, ConnectException.class) != null ? "connection refused" : rootMessage(e);
            String hint = "https".equals(req.uri().getScheme()) ? "" : " (is the address right, and is it http rather than https?)";
            throw new MusterApiException(0, MusterApiException.UNREACHABLE, "cannot reach the Muster API at " + origin(req.uri())
                    + ": " + why + hint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MusterApiException(0, MusterApiException.UNREACHABLE, "interrupted while calling " + origin(req.uri()), e);
        }
    }

    private static String origin(URI u) {
        return u.getScheme() + "://" + u.getAuthority();
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) if (type.isInstance(c)) return type.cast(c);
        return null;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        String m = c.getMessage();
        return m == null || m.isBlank() ? c.getClass().getSimpleName() : m;
    }

    /** A JSON call: {@code body} is a JsonNode, a Map/record Jackson can write, or null. Non-2xx throws. */
    public JsonNode call(String method, String pathAndQuery, Object body) {
        byte[] bytes = null;
        if (body != null) {
            try {
                bytes = J.MAPPER.writeValueAsBytes(body);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot encode the request body: " + e.getOriginalMessage(), e);
            }
        }
        return json(send(method, pathAndQuery, bytes, "application/json"));
    }

    /** The body of a 2xx answer as JSON ({@code null} node when empty); anything else becomes an exception. */
    public static JsonNode json(Response r) {
        if (r.status() < 200 || r.status() > 299) throw error(r);
        if (r.body().length == 0) return NullNode.getInstance();
        try {
            return J.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new MusterApiException(r.status(), MusterApiException.BAD_RESPONSE, "the server at " + origin(r.uri())
                    + " sent a body that is not JSON (is this a Muster API address?)");
        }
    }

    static MusterApiException error(Response r) {
        try {
            JsonNode n = J.MAPPER.readTree(r.body());
            if (n != null && n.hasNonNull("error")) return new MusterApiException(r.status(), J.str(n, "code"), n.get("error").asText());
        } catch (IOException e) {
            // not our error shape; described below
        }
        String text = r.text().strip();
        if (text.length() > 200) text = text.substring(0, 200) + "...";
        return new MusterApiException(r.status(), "", "unexpected answer from " + r.uri().getPath() + (text.isEmpty() ? "" : ": " + text));
    }

    public JsonNode get(String pathAndQuery) {
        return call("GET", pathAndQuery, null);
    }

    public JsonNode post(String path, Object body) {
        return call("POST", path, body);
    }

    public JsonNode delete(String path) {
        return call("DELETE", path, null);
    }

    /** A URL path segment or query value, percent-encoded. */
    public static String seg(String s) {
        if (s == null || s.isEmpty()) throw new IllegalArgumentException("an id is required");
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static ObjectNode obj() {
        return J.MAPPER.createObjectNode();
    }

    // ---------------------------------------------------------------- cluster

    public JsonNode health() {
        return get("/v1/health");
    }

    /** {@code stale} lets a follower answer from its own state instead of redirecting to the leader. */
    public ClusterStatus clusterStatus(boolean stale) {
        return ClusterStatus.from(get("/v1/cluster/status" + (stale ? "?stale=true" : "")));
    }

    /** Hands leadership to {@code to} (or any suitable server when null); returns the new leader's id. */
    public int transferLeader(Integer to) {
        ObjectNode b = obj();
        if (to != null) b.put("to", to);
        return (int) J.lng(post("/v1/cluster/transfer-leader", b), "leader_id", -1);
    }

    public JsonNode addServer(int id, String raftAddr, String apiAddr) {
        return post("/v1/cluster/servers", obj().put("id", id).put("raft_addr", raftAddr).put("api_addr", apiAddr));
    }

    public JsonNode removeServer(int id) {
        return delete("/v1/cluster/servers/" + id);
    }

    /** A page of the Raft log; a null {@code startIndex} or {@code limit} takes the server's default. */
    /** The newest {@code n} entries of the log. */
    public RaftLog raftLogTail(int n) {
        return RaftLog.from(get("/v1/raft/log?tail=" + n));
    }

    public RaftLog raftLog(Long startIndex, Integer limit) {
        StringBuilder q = new StringBuilder("/v1/raft/log");
        char sep = '?';
        if (startIndex != null) {
            q.append(sep).append("start_index=").append(startIndex);
            sep = '&';
        }
        if (limit != null) q.append(sep).append("limit=").append(limit);
        return RaftLog.from(get(q.toString()));
    }

    public AclToken aclBootstrap() {
        return AclToken.from(post("/v1/acl/bootstrap", obj()));
    }

    /** A token with {@code policy} (management, operator, read-only, node-provisioner); its secret is in the answer only. */
    public AclToken createAclToken(String policy, String description) {
        ObjectNode b = obj().put("policy", policy);
        if (description != null) b.put("description", description);
        return AclToken.from(post("/v1/acl/tokens", b));
    }

    public List<AclTokenInfo> aclTokens() {
        return J.items(get("/v1/acl/tokens"), AclTokenInfo::from);
    }

    public JsonNode revokeAclToken(String accessorId) {
        return delete("/v1/acl/tokens/" + seg(accessorId));
    }

    // ---------------------------------------------------------------- secrets

    /** Stores {@code value} (any bytes) as secret {@code name}; the answer has its version and size, never the value. */
    public JsonNode putSecret(String name, byte[] value) {
        return call("PUT", "/v1/secrets/" + seg(name), obj().put("value", java.util.Base64.getEncoder().encodeToString(value)));
    }

    /** Names, versions, sizes and times: never a value. */
    public JsonNode secrets() {
        return get("/v1/secrets");
    }

    /** The secret with its value (base64 in {@code value}): management tokens only. */
    public JsonNode secret(String name) {
        return get("/v1/secrets/" + seg(name));
    }

    public JsonNode deleteSecret(String name) {
        return delete("/v1/secrets/" + seg(name));
    }

    /** Writes {@code value} under {@code key} in the replicated key-value store: the smallest write through Raft. */
    public JsonNode kvPut(String key, String value) {
        return json(send("PUT", "/v1/kv/" + seg(key), value.getBytes(StandardCharsets.UTF_8), "application/octet-stream"));
    }

    // ---------------------------------------------------------------- nodes and join tokens

    public IssuedToken createJoinToken(long validForSecs, int maxUses, Map<String, String> labels, String description) {
        ObjectNode b = obj().put("valid_for_secs", validForSecs).put("max_uses", maxUses);
        ObjectNode l = b.putObject("labels");
        labels.forEach(l::put);
        if (description != null) b.put("description", description);
        return IssuedToken.from(post("/v1/node/tokens", b));
    }

    public List<JoinTokenInfo> joinTokens() {
        return J.items(get("/v1/node/tokens"), JoinTokenInfo::from);
    }

    public JsonNode revokeJoinToken(String tokenId) {
        return delete("/v1/node/tokens/" + seg(tokenId));
    }

    public List<Node> nodes() {
        return J.items(get("/v1/nodes"), Node::from);
    }

    public Node node(String id) {
        return Node.from(get("/v1/nodes/" + seg(id)));
    }

    /** Starts ({@code enable}) or cancels a drain; {@code deadlineSecs} null takes the server's default. */
    public JsonNode drainNode(String id, boolean enable, Long deadlineSecs) {
        ObjectNode b = obj().put("enable", enable);
        if (deadlineSecs != null) b.put("deadline_secs", deadlineSecs);
        return post("/v1/nodes/" + seg(id) + "/drain", b);
    }

    public JsonNode setNodeEligibility(String id, boolean eligible) {
        return post("/v1/nodes/" + seg(id) + "/eligibility", obj().put("eligible", eligible));
    }

    public JsonNode revokeNode(String id) {
        return post("/v1/nodes/" + seg(id) + "/revoke", obj());
    }

    // ---------------------------------------------------------------- jobs

    /** Submits a job spec as written (YAML or JSON); spec errors come back as 400 naming field and line. */
    public JobStatus submitJob(String spec, SpecFormat format) {
        return JobStatus.from(json(send("POST", "/v1/jobs", spec.getBytes(StandardCharsets.UTF_8), format.contentType())));
    }

    /** Runs {@code command} once on {@code target}: {@code all}, {@code group:NAME} or {@code node:ID}. */
    public JobStatus runOneshot(String target, List<String> command) {
        ObjectNode b = obj().put("target", target);
        ArrayNode c = b.putArray("command");
        command.forEach(c::add);
        return JobStatus.from(post("/v1/jobs/oneshot", b));
    }

    public JobList jobs(Integer offset, Integer limit) {
        StringBuilder q = new StringBuilder("/v1/jobs");
        char sep = '?';
        if (offset != null) {
            q.append(sep).append("offset=").append(offset);
            sep = '&';
        }
        if (limit != null) q.append(sep).append("limit=").append(limit);
        return JobList.from(get(q.toString()));
    }

    public JobStatus job(String id) {
        return JobStatus.from(get("/v1/jobs/" + seg(id)));
    }

    /**
     * Like {@link #job}, but read as it streams in and without the raw answer ({@link JobStatus#json()} is null):
     * for jobs with very many allocations, whose JSON tree would cost many times the records.
     */
    public JobStatus jobStreamed(String id) {
        return read("/v1/jobs/" + seg(id), JobStatus.class);
    }

    public JsonNode stopJob(String id) {
        return delete("/v1/jobs/" + seg(id));
    }

    /**
     * Cancels an operation job ({@code POST /v1/jobs/{id}/cancel}): answers {@code {"id", "status": "cancelled"}}. A job
     * that is no operation or has already ended answers 409, an unknown one 404 (both as {@link MusterApiException}).
     */
    public JsonNode cancelJob(String id) {
        return post("/v1/jobs/" + seg(id) + "/cancel", null);
    }

    /**
     * Stops the job and removes it with all its allocations now ({@code DELETE /v1/jobs/:id?purge=true}): answers
     * {@code {"id", "status": "purged", "allocations_removed", "index"}}.
     */
    public JsonNode purgeJob(String id) {
        return delete("/v1/jobs/" + seg(id) + "?purge=true");
    }

    // ---------------------------------------------------------------- system

    /**
     * A garbage collection now with every threshold at zero ({@code POST /v1/system/gc}, a management token):
     * answers the counts removed, {@code {"jobs", "allocations", "nodes", "tokens", "skipped", "entries"}}.
     */
    public JsonNode systemGc() {
        return post("/v1/system/gc", null);
    }

    /**
     * Reads a log stream ({@code /v1/jobs/{id}/logs?...} or {@code /v1/allocations/{id}/logs?...}, see {@link LogEvent})
     * as it arrives, calling {@code onEvent} for each line, until the server says it is done or closes the stream.
     * Returns false when the stream broke off before {@code done}. Non-2xx throws.
     */
    public boolean streamLogs(String pathAndQuery, Consumer<LogEvent> onEvent) {
        HttpResponse<InputStream> r = exchangeFollowing("GET", pathAndQuery, null, null, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() < 200 || r.statusCode() > 299) {
                throw error(new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(""), in.readNBytes(64 * 1024),
                        r.request().uri()));
            }
            var lines = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) continue;
                LogEvent e = LogEvent.from(J.MAPPER.readTree(line));
                if (e.done()) return true;
                onEvent.accept(e);
            }
            return false;
        } catch (IOException e) {
            throw new MusterApiException(r.statusCode(), MusterApiException.BAD_RESPONSE, "the log stream from " + origin(r.request().uri())
                    + " broke off: " + rootMessage(e), e);
        }
    }

    /** The query of a log stream: follow, task, stream (stdout|stderr|both), since (e.g. 5m), tail (lines or "all"), alloc. */
    public static String logQuery(boolean follow, String task, String stream, String since, String tail, String alloc) {
        StringBuilder q = new StringBuilder("?follow=").append(follow);
        if (task != null) q.append("&task=").append(seg(task));
        if (stream != null) q.append("&stream=").append(seg(stream));
        if (since != null) q.append("&since=").append(seg(since));
        if (tail != null) q.append("&tail=").append(seg(tail));
        if (alloc != null) q.append("&alloc=").append(seg(alloc));
        return q.toString();
    }

    /** Logs of every allocation, or of {@code allocId} only; {@code maxBytes} caps each stream (server default when null). */
    public JobLogs jobLogs(String id, String allocId, Long maxBytes) {
        StringBuilder q = new StringBuilder("/v1/jobs/").append(seg(id)).append("/logs");
        char sep = '?';
        if (allocId != null) {
            q.append(sep).append("alloc=").append(seg(allocId));
            sep = '&';
        }
        if (maxBytes != null) q.append(sep).append("max_bytes=").append(maxBytes);
        return JobLogs.from(get(q.toString()));
    }

    /**
     * Opens {@code GET /v1/events} ({@link EventStream#query}): any server answers, from its own copy of the log. Non-2xx
     * throws ({@code 404}: a server older than the event stream).
     */
    public EventStream events(String pathAndQuery) {
        HttpResponse<InputStream> r = exchangeFollowing("GET", pathAndQuery, null, null, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() < 200 || r.statusCode() > 299) {
            try (InputStream in = r.body()) {
                throw error(new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(""), in.readNBytes(64 * 1024), r.request().uri()));
            } catch (IOException e) {
                throw new MusterApiException(r.statusCode(), MusterApiException.BAD_RESPONSE, "no answer body from " + origin(r.request().uri()), e);
            }
        }
        return new EventStream(r.body(), origin(r.request().uri()));
    }

    /**
     * Waits for a job like {@link #pollJob}, but told by the event stream: the job is read again only when one of its
     * events (job, allocation, operation) arrives, so nothing is polled. A server without the stream (404) is polled
     * instead ({@link #pollJob}).
     */
    public JobStatus awaitJob(String id, Duration timeout, Duration pollInterval, Consumer<JobStatus> onChange) {
        try {
            return new JobEvents(this, id, timeout, onChange).await();
        } catch (JobEvents.NoEventStream e) {
            return pollJob(id, timeout, pollInterval, onChange, e.first, e.firstKey);
        }
    }

    /** What makes {@link #awaitJob}'s callers look again: status, counts, allocation events, operation progress. */
    static String changeKey(JobStatus s) {
        return s.status() + s.countsByStatus() + s.failures() + s.operation() + s.results()
                + s.allocations().stream().mapToLong(JobStatus.Allocation::eventsTotal).sum(); // a restart changes only events
    }

    /**
     * Polls a job until {@link JobStatus#isTerminal()} or {@code timeout} (null: no limit), calling
     * {@code onChange} whenever its status, allocation counts, allocation events or (operations) operation section or results change. Returns the last status seen: when
     * it is not terminal, the timeout passed. Brief outages (no leader, unreachable) are ridden out for up to
     * a minute, since a leader election during a long wait is normal.
     */
    public JobStatus pollJob(String id, Duration timeout, Duration pollInterval, Consumer<JobStatus> onChange) {
        return pollJob(id, timeout, pollInterval, onChange, null, null);
    }

    /** {@code first}: the job as already read (and reported, with change key {@code firstKey}), or null. */
    private JobStatus pollJob(String id, Duration timeout, Duration pollInterval, Consumer<JobStatus> onChange, Watched<JobStatus> first,
                              String firstKey) {
        Instant deadline = timeout == null ? null : Instant.now().plus(timeout);
        Instant outageSince = null;
        JobStatus last = first == null ? null : first.value();
        String lastKey = firstKey;
        long index = first == null ? 0 : first.index();
        while (true) {
            Duration left = deadline == null ? null : Duration.between(Instant.now(), deadline);
            if (left != null && (left.isNegative() || left.isZero())) {
                if (last == null) throw new MusterApiException(0, MusterApiException.TIMEOUT, "timed out before job " + id + " could be read");
                return last;
            }
            boolean blocked = false;
            try {
                // A blocking query once the server has told us an index: it answers when the job changes, no polling.
                Duration wait = left == null || left.compareTo(MAX_BLOCK) > 0 ? MAX_BLOCK : left;
                Watched<JobStatus> w = index > 0 ? watchJob(id, index, wait) : watchJob(id, 0, null);
                // The server gave an index: the next read is a blocking query, at once (no poll interval first).
                blocked = w.index() > 0;
                JobStatus s = w.value();
                outageSince = null;
                // An operation moves through its steps and results while its status stays "running".
                String key = changeKey(s);
                if (!key.equals(lastKey) && onChange != null) onChange.accept(s);
                lastKey = key;
                last = s;
                if (s.isTerminal()) return s;
                index = w.index();
            } catch (MusterApiException e) {
                if (!e.isTransient()) throw e;
                if (outageSince == null) outageSince = Instant.now();
                else if (Duration.between(outageSince, Instant.now()).compareTo(Duration.ofMinutes(1)) > 0) throw e;
                index = 0;
            }
            if (blocked) continue;
            // A server without blocking queries (no X-Muster-Index), or an outage: poll.
            Duration sleep = pollInterval;
            if (deadline != null) {
                Duration rest = Duration.between(Instant.now(), deadline);
                if (rest.compareTo(sleep) < 0) sleep = rest.isNegative() ? Duration.ZERO : rest;
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MusterApiException(0, MusterApiException.UNREACHABLE, "interrupted while waiting for job " + id, e);
            }
        }
    }

    /** The longest single blocking query {@link #awaitJob} asks for (the server caps waits at 10 minutes). */
    static final Duration MAX_BLOCK = Duration.ofMinutes(5);

    /** A value read with a blocking query, and the index to pass to the next one (0: the server did not say). */
    public record Watched<T>(T value, long index) {}

    /**
     * {@code GET /v1/jobs/{id}}; with {@code afterIndex > 0} a blocking query: the server answers once the job or one
     * of its allocations changed past that index, or when {@code wait} runs out (then with the job as it is).
     */
    public Watched<JobStatus> watchJob(String id, long afterIndex, Duration wait) {
        String path = "/v1/jobs/" + seg(id) + (afterIndex > 0 ? "?index=" + afterIndex + "&wait=" + Math.max(1, wait.toMillis()) + "ms" : "");
        MusterClient via = afterIndex > 0 ? withRequestTimeout(wait.plus(requestTimeout)) : this;
        HttpResponse<byte[]> r = via.exchangeFollowing("GET", path, null, null, HttpResponse.BodyHandlers.ofByteArray());
        JobStatus s = JobStatus.from(json(new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body(), r.request().uri())));
        long index = r.headers().firstValue(INDEX_HEADER).map(v -> {
            try {
                return Long.parseLong(v.strip());
            } catch (NumberFormatException e) {
                return 0L;
            }
        }).orElse(0L);
        return new Watched<>(s, index);
    }

    /** The header every blocking-capable answer carries. */
    public static final String INDEX_HEADER = "X-Muster-Index";

    @Override
    public void close() {
        if (ownsHttp) http.close();
    }
}
