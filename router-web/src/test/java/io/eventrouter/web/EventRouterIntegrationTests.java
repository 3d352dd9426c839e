package io.eventrouter.web;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Level;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.eventrouter.core.event.Event;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.web.e2e.AmplitudeWireMock;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.json.JsonCompareMode;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.adapter.HttpWebHandlerAdapter;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(classes = EventRouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "router.destinations.file.enabled=false",
                "router.destinations.amplitude.enabled=true", "router.destinations.amplitude.batch.max-wait=50ms" })
class EventRouterIntegrationTests {

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(AmplitudeWireMock.loopbackOptions())
            .build();

    @DynamicPropertySource
    static void amplitudeUrl(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.amplitude.url", amplitude::baseUrl);
    }

    @LocalServerPort
    int port;

    @RegisterExtension
    final CapturedLogs serverErrors = new CapturedLogs(HttpWebHandlerAdapter.class);

    @Autowired
    EventPublisher publisher;

    @Autowired
    MeterRegistry meters;

    @BeforeEach
    void stubAmplitude() {
        AmplitudeWireMock.stubHttpApiSuccess(amplitude);
    }

    @Test
    void uploadReachesAmplitudeWithClientAddress() {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).build();

        client.post().uri("/2/httpapi")
                .bodyValue("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"upload-test\","
                        + "\"device_id\":\"device-1\",\"ip\":\"$remote\",\"insert_id\":\"insert-upload\"}]}")
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.events_ingested").isEqualTo(1);

        JsonNode event = awaitEvent("upload-test");
        assertThat(event.path("ip").asString()).isEqualTo("127.0.0.1");
        assertThat(event.path("insert_id").asString()).isEqualTo("insert-upload");
        assertThat(AmplitudeWireMock.uploads(amplitude, AmplitudeWireMock.HTTP_API_PATH))
                .allSatisfy((upload) -> assertThat(upload.getBodyAsString()).contains("\"api_key\":\"key-12345\""));
    }

    @Test
    void unknownPathsGetAmplitudesErrorBody() {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).build();

        client.post().uri("/2/httpapi/extra").bodyValue("{}").exchange()
                .expectStatus().isNotFound()
                .expectBody().json("{\"code\":404,\"error\":\"Invalid request path\"}", JsonCompareMode.STRICT);
        client.put().uri("/identify").bodyValue("{}").exchange()
                .expectStatus().isEqualTo(405)
                .expectHeader().valueEquals("Allow", "GET, POST, OPTIONS")
                .expectBody().json("{\"code\":405,\"error\":\"Method not allowed\"}", JsonCompareMode.STRICT);
        client.get().uri("/actuator/health").exchange()
                .expectStatus().isOk();
    }

    @Test
    void malformedBodyLogsNoServerError() throws IOException {
        for (String request : List.of("GET /actuator/health", "POST /2/httpapi")) {
            try (Socket socket = new Socket("127.0.0.1", this.port)) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write((request + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .startsWith("HTTP/1.1 ");
            }
        }

        // Without the exception handler, the health endpoint logs a 500 with a stack trace at ERROR.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> this.serverErrors.events().stream().noneMatch((event) -> event.getLevel() == Level.ERROR));
    }

    @Test
    void invalidPercentEscapeGetsAmplitudesErrorBody() throws IOException {
        for (String target : List.of("/%ZZ", "/identify?api_key=%ZZ")) {
            String response = rawResponse("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Origin: https://shop.example\r\nConnection: close\r\n\r\n");

            assertThat(response).as(target).startsWith("HTTP/1.1 400 ");
            assertThat(response).as(target).containsIgnoringCase("access-control-allow-origin: *");
            assertThat(response).as(target).containsIgnoringCase("content-type: application/json");
            assertThat(response).as(target).contains("{\"code\":400,\"error\":\"Invalid request URL: "
                    + "Malformed escape pair at index " + target.indexOf('%') + "\",");
        }
    }

    private String rawResponse(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", this.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void registersBridgeBodyMeters() {
        assertThat(this.meters.get("router.bridge.body.bytes.held").gauge().value()).isZero();
        assertThat(this.meters.get("router.bridge.bodies.refused").functionCounter().count()).isZero();
    }

    @Test
    void serverEventReachesAmplitudeThroughSamePipeline() {
        Event event = Event.builder("server-test").apiKey("key-12345").userId("user-12345")
                .eventProperty("plan", "pro").build();

        this.publisher.publish(event).block(Duration.ofSeconds(5));

        JsonNode delivered = awaitEvent("server-test");
        assertThat(delivered.path("user_id").asString()).isEqualTo("user-12345");
        assertThat(delivered.path("event_properties").path("plan").asString()).isEqualTo("pro");
        assertThat(delivered.path("insert_id").asString()).isNotEmpty();
        assertThat(delivered.has("ip")).isFalse();
    }

    private static JsonNode awaitEvent(String eventType) {
        return await().atMost(Duration.ofSeconds(15)).until(() -> find(eventType), (found) -> !found.isEmpty()).get(0);
    }

    private static List<JsonNode> find(String eventType) {
        return AmplitudeWireMock.httpApiEvents(amplitude).stream()
                .filter((event) -> eventType.equals(event.path("event_type").asString()))
                .toList();
    }

}
