package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.KvPut;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.server.state.Records.KvEntry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A blocking query answers when the part it watches changes, not on unrelated writes, and when its wait runs out;
 * bad parameters are refused naming the parameter. The state is a real {@link ClusterState} fed through the applier.
 */
@Timeout(60)
class BlockingQueryTest {
    private final ClusterState state = new ClusterState();
    private final CommandApplier applier = new CommandApplier(state);
    private final HttpClient http = HttpClient.newHttpClient();
    private Vertx vertx;
    private String url;
    private long index;
    private BlockingQuery blocking;

    @BeforeEach
    void start() throws Exception {
        put("watched", "1");
        vertx = Vertx.vertx();
        Router r = Router.router(vertx);
        blocking = new BlockingQuery(state, 2);
        r.get("/w").handler(ctx -> blocking.answer(ctx,
                snap -> snap.kv("watched").map(KvEntry::index).orElse(Long.MAX_VALUE),
                (c, snap) -> Http.ok(c, Map.of("value", snap.kv("watched").map(e -> new String(e.value(), StandardCharsets.UTF_8)).orElse("")))));
        r.route().failureHandler(ctx -> Http.failure(ctx, ctx.failure()));
        HttpServer server = vertx.createHttpServer().requestHandler(r).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        url = "http://127.0.0.1:" + server.actualPort() + "/w";
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void put(String key, String value) {
        index++;
        applier.apply(Command.newBuilder().setProposedUnixMs(1).setKvPut(KvPut.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value))).build(), index, 1);
    }

    private CompletableFuture<HttpResponse<String>> get(String query) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url + query)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void wakesOnTheWatchedChangeOnly() throws Exception {
        HttpResponse<String> first = get("").get(10, TimeUnit.SECONDS);
        assertEquals("1", first.headers().firstValue("X-Muster-Index").orElseThrow());

        CompletableFuture<HttpResponse<String>> watching = get("?index=1&wait=50s");
        put("other", "x"); // index 2: applied, wakes the waiter, which looks and waits again
        put("other", "y"); // index 3
        // An unrelated write never answers it: a later plain request is served, the watcher still waits.
        assertEquals("1", get("").get(10, TimeUnit.SECONDS).headers().firstValue("X-Muster-Index").orElseThrow());
        assertFalse(watching.isDone(), "a write to another key must not answer the query");

        put("watched", "2"); // index 4
        HttpResponse<String> changed = watching.get(10, TimeUnit.SECONDS);
        assertEquals(200, changed.statusCode());
        assertEquals("4", changed.headers().firstValue("X-Muster-Index").orElseThrow());
        assertTrue(changed.body().contains("\"value\":\"2\""), changed.body());
    }

    @Test
    void answersWithTheCurrentStateWhenTheWaitRunsOut() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = get("?index=1&wait=300ms").get(10, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - t0 >= 300_000_000L, "answered before its wait ran out");
        assertEquals(200, r.statusCode());
        assertEquals("1", r.headers().firstValue("X-Muster-Index").orElseThrow());
    }

    @Test
    void anIndexAlreadyPassedAnswersAtOnce() throws Exception {
        put("watched", "3"); // index 2
        HttpResponse<String> r = get("?index=1&wait=50s").get(10, TimeUnit.SECONDS);
        assertEquals("2", r.headers().firstValue("X-Muster-Index").orElseThrow());
    }

    @Test
    void waitersAreCappedAndCountedDownWhenAnsweredOrGone() throws Exception {
        CompletableFuture<HttpResponse<String>> a = get("?index=1&wait=50s");
        CompletableFuture<HttpResponse<String>> b = get("?index=1&wait=50s");
        io.muster.server.testkit.Await.until("two waiting", java.time.Duration.ofSeconds(10), () -> blocking.waiting() == 2);
        HttpResponse<String> third = get("?index=1&wait=50s").get(10, TimeUnit.SECONDS);
        assertEquals(429, third.statusCode(), third.body());
        assertTrue(third.body().contains("TOO_MANY_WAITING"), third.body());
        put("watched", "2");
        assertEquals(200, a.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(200, b.get(10, TimeUnit.SECONDS).statusCode());
        io.muster.server.testkit.Await.until("none waiting", java.time.Duration.ofSeconds(10), () -> blocking.waiting() == 0);
        // A client that leaves frees its place.
        CompletableFuture<HttpResponse<String>> leaving = get("?index=2&wait=50s");
        io.muster.server.testkit.Await.until("one waiting", java.time.Duration.ofSeconds(10), () -> blocking.waiting() == 1);
        leaving.cancel(true);
        http.close();
        io.muster.server.testkit.Await.until("the departed client's place is free", java.time.Duration.ofSeconds(10), () -> blocking.waiting() == 0);
    }

    @Test
    void badParametersAreRefusedByName() throws Exception {
        HttpResponse<String> badWait = get("?index=1&wait=soon").get(10, TimeUnit.SECONDS);
        assertEquals(400, badWait.statusCode());
        assertTrue(badWait.body().contains("wait must be a duration"), badWait.body());
        HttpResponse<String> badIndex = get("?index=-4").get(10, TimeUnit.SECONDS);
        assertEquals(400, badIndex.statusCode());
        assertTrue(badIndex.body().contains("index must be between"), badIndex.body());
        assertEquals(400, get("?index=1&wait=0s").get(10, TimeUnit.SECONDS).statusCode());
    }
}
