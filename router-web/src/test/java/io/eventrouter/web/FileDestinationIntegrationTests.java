package io.eventrouter.web;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The router on its embedded defaults: no external service, events land in a JSON Lines file.
 */
@SpringBootTest(classes = EventRouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.address=127.0.0.1")
class FileDestinationIntegrationTests {

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void eventFile(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.file.path", () -> folder.resolve("events.jsonl").toString());
    }

    @LocalServerPort
    int port;

    @Test
    void uploadLandsInEventFile() throws Exception {
        WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).build()
                .post().uri("/2/httpapi")
                .bodyValue("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"file-test\","
                        + "\"user_id\":\"user-12345\",\"future_field\":[1,2]}]}")
                .exchange()
                .expectStatus().isOk();

        Path file = folder.resolve("events.jsonl");
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(file) && Files.size(file) > 0);
        assertThat(Files.readAllLines(file))
                .containsExactly("{\"event_type\":\"file-test\",\"user_id\":\"user-12345\",\"future_field\":[1,2]}");
    }

}
