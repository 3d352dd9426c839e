package io.eventrouter.web.admin;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import io.eventrouter.web.EventRouterApplication;
import io.eventrouter.web.StalledConnections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin endpoints on a port of their own.
 */
@SpringBootTest(classes = EventRouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminServerIntegrationTests {

    private static final String TOKEN = "admin-secret-0123456789";

    @TempDir
    static Path folder;

    @LocalServerPort
    int mainPort;

    @Autowired
    AdminServer adminServer;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.file.path", () -> folder.resolve("events.jsonl").toString());
        registry.add("router.dead-letters.path", () -> folder.resolve("dead-letters.mv").toString());
        registry.add("router.admin.token", () -> TOKEN);
        registry.add("router.admin.port", () -> "0");
        registry.add("router.bridge.read-timeout", () -> "1s");
    }

    private static WebTestClient client(int port) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
    }

    @Test
    void servesTheAdminEndpointsOnTheAdminPort() {
        client(this.adminServer.port()).get().uri("/admin/dead-letters")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.dead_letters").isArray();
    }

    @Test
    void answers401OnTheAdminPortWithoutTheToken() {
        client(this.adminServer.port()).get().uri("/admin/dead-letters")
                .exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void unknownPathGetsJsonErrorOnAdminPort() {
        WebTestClient client = client(this.adminServer.port());

        client.get().uri("/nothing")
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody().jsonPath("$.code").isEqualTo(404)
                .jsonPath("$.error").isEqualTo("Not found: no admin endpoint serves this method and path");
        client.put().uri("/admin/destinations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo(404);
    }

    @Test
    void malformedBodyGetsReasonOnAdminPort() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", this.adminServer.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /admin/dead-letters/replay HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                    .getBytes(StandardCharsets.US_ASCII));

            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 400 ").contains("\"error\":\"Malformed request\"");
        }
    }

    @Test
    void stalledBodyGets408AndCloseOnAdminPort() throws IOException {
        String request = "POST /admin/dead-letters/replay HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"destination\"";

        String response = StalledConnections.responseToStalledBody(this.adminServer.port(), request);

        assertThat(response).startsWith("HTTP/1.1 408 ");
        assertThat(response).containsIgnoringCase("connection: close");
        assertThat(response)
                .contains("\"error\":\"Timed out reading the request body: it did not arrive within 1000 ms\"");
    }

    @Test
    void closesConnectionStalledInItsHeaders() throws IOException {
        AdminServer server = idleServer();
        try {
            StalledConnections.assertClosed(server.port());
        }
        finally {
            server.stop();
        }
    }

    @Test
    void closesConnectionStalledInAnUnreadBody() throws IOException {
        // Netty waits for the rest of a body the handler answered without reading, as after a 401.
        AdminServer server = idleServer();
        try {
            String response = StalledConnections.responseToStalledBody(server.port(), "POST /admin/destinations "
                    + "HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"destination\"");

            assertThat(response).startsWith("HTTP/1.1 401 ");
        }
        finally {
            server.stop();
        }
    }

    /** Starts an admin server on a free port that closes connections idle for 1 s, with a route that reads no body. */
    private static AdminServer idleServer() {
        RouterFunction<ServerResponse> routes = RouterFunctions.route()
                .POST("/admin/destinations", (request) -> ServerResponse.status(401).build())
                .build();
        AdminServer server = new AdminServer("127.0.0.1", 0, routes, Duration.ofSeconds(1));
        server.start();
        return server;
    }

    @Test
    void keepsTheAdminEndpointsOffTheMainPort() {
        client(this.mainPort).get().uri("/admin/dead-letters")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isNotFound();
    }

}
