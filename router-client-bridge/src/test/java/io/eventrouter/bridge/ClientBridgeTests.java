package io.eventrouter.bridge;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.json.JsonCompareMode;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class ClientBridgeTests {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

    private static final String UPLOAD = "{\"api_key\":\"key-12345\",\"events\":["
            + "{\"event_type\":\"play\",\"device_id\":\"device-1\",\"ip\":\"$remote\"},"
            + "{\"event_type\":\"server\",\"user_id\":\"user-1\"}]}";

    private final RecordingSource source = new RecordingSource();

    private BridgeServer server;

    @Test
    void answersAmplitudeSuccessBody() {
        client(bridge("")).post().uri("/2/httpapi")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(UPLOAD)
                .exchange()
                .expectStatus().isOk()
                .expectBody().json("{\"code\":200,\"events_ingested\":2,\"payload_size_bytes\":" + UPLOAD.length()
                        + ",\"server_upload_time\":1700000000000}", true);
    }

    @Test
    void acceptsBeaconTextPlainBody() {
        client(bridge("")).post().uri("/2/httpapi")
                .contentType(MediaType.parseMediaType("text/plain;charset=UTF-8"))
                .bodyValue(UPLOAD)
                .exchange()
                .expectStatus().isOk();

        assertThat(this.source.events).hasSize(2);
    }

    @Test
    void fillsRemoteAddressOnlyWherePlaceholderIs() {
        client(bridge("")).post().uri("/batch").bodyValue(UPLOAD).exchange().expectStatus().isOk();

        assertThat(this.source.events.get(0).ip()).hasValueSatisfying((ip) -> assertThat(ip).isNotEqualTo("$remote"));
        assertThat(this.source.events.get(1).ip()).isEmpty();
    }

    @Test
    void answersInvalidUploadWith400Shape() {
        client(bridge("")).post().uri("/2/httpapi")
                .bodyValue("{\"api_key\":\"key-12345\",\"events\":[{\"device_id\":\"device-1\"}]}")
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.code").isEqualTo(400)
                .jsonPath("$.events_with_missing_fields.event_type[0]").isEqualTo(0);
        assertThat(this.source.events).isEmpty();
    }

    @Test
    void answersMalformedJsonWith400() {
        client(bridge("")).post().uri("/2/httpapi").bodyValue("{not json")
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("Invalid JSON request body");
    }

    @Test
    void rejectsTextAfterRequestObject() {
        client(bridge("")).post().uri("/2/httpapi").bodyValue(UPLOAD + " trailing")
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("Invalid JSON request body");
        assertThat(this.source.events).isEmpty();
    }

    @Test
    void answersWrongMethodWith405() {
        client(bridge("")).get().uri("/2/httpapi")
                .exchange()
                .expectStatus().isEqualTo(405)
                .expectHeader().valueEquals("Allow", "POST, OPTIONS")
                .expectBody().jsonPath("$.code").isEqualTo(405);
    }

    @Test
    void answersWrongMethodOnEveryPathWith405() {
        WebTestClient client = client(bridge("/amplitude"));
        Map<String, String> allowByPath = new LinkedHashMap<>();
        allowByPath.put("/amplitude/2/httpapi", "POST, OPTIONS");
        allowByPath.put("/amplitude/batch/", "POST, OPTIONS");
        allowByPath.put("/amplitude", "POST, OPTIONS");
        allowByPath.put("/amplitude/", "POST, OPTIONS");
        allowByPath.put("/amplitude/identify", "GET, POST, OPTIONS");
        allowByPath.put("/amplitude/groupidentify/", "GET, POST, OPTIONS");
        allowByPath.put("/amplitude/sdk/v2/vardata", "GET, POST, OPTIONS");
        allowByPath.put("/amplitude/sdk/vardata", "GET, POST, OPTIONS");
        allowByPath.put("/amplitude/v1/vardata", "GET, POST, OPTIONS");
        allowByPath.put("/amplitude/sdk/v2/flags", "GET, OPTIONS");
        allowByPath.put("/amplitude/config/some-key", "GET, OPTIONS");

        allowByPath.forEach((path, allow) -> client.put().uri(path).bodyValue("{}")
                .exchange()
                .expectStatus().isEqualTo(405)
                .expectHeader().valueEquals("Allow", allow)
                .expectBody().json("{\"code\":405,\"error\":\"Method not allowed\"}", JsonCompareMode.STRICT));
    }

    @Test
    void answersPlainOptionsWithAllowedMethods() {
        WebTestClient client = client(bridge("/amplitude"));
        Map<String, String> allowByPath = Map.of("/amplitude/2/httpapi", "POST, OPTIONS", "/amplitude",
                "POST, OPTIONS", "/amplitude/identify/", "GET, POST, OPTIONS", "/amplitude/sdk/v2/flags",
                "GET, OPTIONS");

        allowByPath.forEach((path, allow) -> client.options().uri(path)
                .exchange()
                .expectStatus().isNoContent()
                .expectHeader().valueEquals("Allow", allow)
                .expectBody().isEmpty());
    }

    @Test
    void leavesOtherMethodsOnRootToApplication() {
        client(bridge("")).put().uri("/").bodyValue("{}")
                .exchange()
                .expectStatus().isNotFound();
    }

    @Test
    void answersOversizedBodyWith413() {
        String padding = "x".repeat(ClientBridge.HTTP_API_MAX_BODY_BYTES);
        client(bridge("")).post().uri("/2/httpapi")
                .bodyValue("{\"api_key\":\"key-12345\",\"pad\":\"" + padding + "\",\"events\":[]}")
                .exchange()
                .expectStatus().isEqualTo(413)
                .expectBody().json("{\"code\":413,\"error\":\"Payload too large\"}", true);
    }

    @Test
    void answersFullPipelineWith503AndRetryAfter() {
        this.source.failure = new AcceptanceException(AcceptanceException.Reason.SPOOL_FULL, Duration.ofSeconds(2),
                "full");

        client(bridge("")).post().uri("/2/httpapi").bodyValue(UPLOAD)
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().valueEquals("Retry-After", "2")
                .expectBody().jsonPath("$.code").isEqualTo(503);
    }

    @Test
    void answersOverloadWith503BeforeDecoding() {
        this.source.overload = new AcceptanceException(AcceptanceException.Reason.SPOOL_FULL, Duration.ofSeconds(2),
                "full");

        client(bridge("")).post().uri("/2/httpapi").bodyValue("{not json")
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().valueEquals("Retry-After", "2");
        assertThat(this.source.events).isEmpty();
    }

    @Test
    void servesTrailingSlashAndPrefix() {
        WebTestClient client = client(bridge("/amplitude"));

        client.post().uri("/amplitude/2/httpapi/").bodyValue(UPLOAD).exchange().expectStatus().isOk();
        client.post().uri("/2/httpapi").bodyValue(UPLOAD).exchange().expectStatus().isNotFound();
    }

    @Test
    void answersPreflightAndAddsCorsToErrors() {
        WebTestClient client = client(bridge(""));

        client.options().uri("/2/httpapi")
                .header("Origin", "https://shop.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,cross-origin-resource-policy")
                .exchange()
                .expectStatus().isNoContent()
                .expectHeader().valueEquals("Access-Control-Allow-Origin", "https://shop.example")
                .expectHeader().valueEquals("Access-Control-Allow-Headers", "content-type, cross-origin-resource-policy");
        client.post().uri("/2/httpapi")
                .header("Origin", "https://shop.example")
                .bodyValue("{}")
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().valueEquals("Access-Control-Allow-Origin", "https://shop.example")
                .expectHeader().values("Vary", (vary) -> assertThat(vary).contains("Origin"));
    }

    @Test
    void rejectsOriginOutsideAllowList() {
        ClientBridge bridge = ClientBridge.builder(this.source).allowedOrigins(List.of("https://shop.example")).build();

        client(bridge).post().uri("/2/httpapi")
                .header("Origin", "https://evil.example")
                .bodyValue(UPLOAD)
                .exchange()
                .expectStatus().isForbidden()
                .expectBody().jsonPath("$.code").isEqualTo(403);
        assertThat(this.source.events).isEmpty();
    }

    private ClientBridge bridge(String prefix) {
        return ClientBridge.builder(this.source).pathPrefix(prefix).clock(CLOCK).build();
    }

    private WebTestClient client(ClientBridge bridge) {
        this.server = BridgeServer.start(bridge);
        return WebTestClient.bindToServer().baseUrl(this.server.baseUrl()).build();
    }

    @AfterEach
    void stopServer() {
        if (this.server != null) {
            this.server.close();
        }
    }

    /** Records submissions and responses as the pipeline would. */
    private static final class RecordingSource implements Source {

        final List<Event> events = new CopyOnWriteArrayList<>();

        AcceptanceException failure;

        AcceptanceException overload;

        @Override
        public Optional<AcceptanceException> overload() {
            return Optional.ofNullable(this.overload);
        }

        @Override
        public SourceId id() {
            return SourceId.of("client-bridge");
        }

        @Override
        public Mono<Acceptance> submit(List<Event> submitted) {
            if (this.failure != null) {
                return Mono.error(this.failure);
            }
            this.events.addAll(submitted);
            return Mono.just(new Acceptance(submitted.size()));
        }

    }

}
