package io.muster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client of an http:// address works without any TLS settings and never turns to https on its own. */
class PlainHttpTest {
    private HttpServer server;

    private String start(String location) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/nodes", ex -> {
            byte[] body = "[{\"id\": 1}]".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/v1/jobs", ex -> {
            ex.getResponseHeaders().add("Location", location);
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    @Test
    void anHttpAddressIsServedWithoutTls() throws Exception {
        try (MusterClient c = MusterClient.builder().address(start("/")).build()) {
            assertEquals(1, c.get("/v1/nodes").get(0).get("id").asInt());
            assertEquals(1, c.withRequestTimeout(java.time.Duration.ofSeconds(5)).get("/v1/nodes").get(0).get("id").asInt());
        }
    }

    @Test
    void aRedirectToHttpsIsRefusedBeforeAnyConnection() throws Exception {
        try (ServerSocket tlsPort = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tlsPort.setSoTimeout(300);
            String target = "https://127.0.0.1:" + tlsPort.getLocalPort() + "/v1/jobs";
            try (MusterClient c = MusterClient.builder().address(start(target)).token("secret-token").build()) {
                MusterApiException e = assertThrows(MusterApiException.class, () -> c.get("/v1/jobs"));
                assertEquals(MusterApiException.REDIRECT, e.code());
                assertTrue(e.getMessage().contains(target) && e.getMessage().contains("--ca-cert"), e.getMessage());
            }
            AtomicInteger accepted = new AtomicInteger();
            try (var s = tlsPort.accept()) {
                accepted.incrementAndGet();
            } catch (java.net.SocketTimeoutException expected) {
                // nobody came: the token was not sent anywhere
            }
            assertEquals(0, accepted.get(), "no connection to the https address");
        }
    }

    @Test
    void theNoTlsContextRefusesEveryUse() {
        var ctx = PlainHttp.noTls();
        var e = assertThrows(UnsupportedOperationException.class, ctx::createSSLEngine);
        assertTrue(e.getMessage().contains("http://"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, ctx::getSocketFactory);
    }
}
