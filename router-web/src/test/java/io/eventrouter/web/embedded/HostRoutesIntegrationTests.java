package io.eventrouter.web.embedded;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * An application that embeds the router at the root, with handlers of its own on paths the
 * bridge also serves: the application keeps them, and its own CORS rules on {@code /}.
 */
@SpringBootTest(classes = HostRoutesIntegrationTests.HostApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1",
                "router.destinations.file.path=target/test-data/host-routes/events.jsonl" })
class HostRoutesIntegrationTests {

    private static final String UPLOAD = "{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"e\","
            + "\"device_id\":\"device-1\"}]}";

    @LocalServerPort
    int port;

    private WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).build();
    }

    @Test
    void keepsTheApplicationsHandlersOfOtherMethods() {
        client().get().uri("/batch").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).isEqualTo("host batch page");
        client().get().uri("/config/appearance").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).isEqualTo("host config appearance");
    }

    @Test
    void servesUploadsOnTheSamePaths() {
        client().post().uri("/batch").bodyValue(UPLOAD).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.events_ingested").isEqualTo(1);
    }

    @Test
    void otherMethodOnBridgePathGets405() {
        client().put().uri("/2/httpapi").bodyValue(UPLOAD).exchange()
                .expectStatus().isEqualTo(405)
                .expectHeader().valueEquals(HttpHeaders.ALLOW, "POST, OPTIONS")
                .expectBody().jsonPath("$.code").isEqualTo(405);
    }

    @Test
    void leavesCorsOfTheApplicationsRootAlone() {
        client().get().uri("/").header(HttpHeaders.ORIGIN, "https://other.example").exchange()
                .expectStatus().isOk()
                .expectHeader().doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
        client().options().uri("/").header(HttpHeaders.ORIGIN, "https://other.example")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET").exchange()
                .expectHeader().doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
    }

    @Test
    void rootPreflightForPostGetsCors() {
        client().options().uri("/").header(HttpHeaders.ORIGIN, "https://other.example")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST").exchange()
                .expectStatus().isNoContent()
                .expectHeader().valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "https://other.example");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(HostController.class)
    static class HostApplication {

    }

    @RestController
    static class HostController {

        @GetMapping("/")
        String home() {
            return "host home";
        }

        @GetMapping("/batch")
        String batch() {
            return "host batch page";
        }

        @GetMapping("/config/{name}")
        String config(@PathVariable String name) {
            return "host config " + name;
        }

    }

}
