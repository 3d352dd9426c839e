package io.eventrouter.web.admin;

import java.nio.file.Path;

import io.eventrouter.web.EventRouterApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

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
    void keepsTheAdminEndpointsOffTheMainPort() {
        client(this.mainPort).get().uri("/admin/dead-letters")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isNotFound();
    }

}
