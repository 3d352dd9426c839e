package io.eventrouter.web;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(1);
        JsonNode event = JsonMapper.builder().build().readTree(lines.get(0));
        assertThat(event.path("event_type").asString()).isEqualTo("file-test");
        assertThat(event.path("user_id").asString()).isEqualTo("user-12345");
        assertThat(event.path("future_field").toString()).isEqualTo("[1,2]");
        assertThat(event.path("insert_id").asString()).as("insert_id given at acceptance").isNotEmpty();
    }

}
