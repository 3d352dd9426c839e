package io.eventrouter.web.admin;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import ch.qos.logback.classic.Level;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.identity.DeviceLink;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.identity.IdentityStore;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.web.CapturedLogs;
import io.eventrouter.web.EventRouterApplication;
import io.eventrouter.web.StalledConnections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.adapter.HttpWebHandlerAdapter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin endpoints on the main port, with WireMock standing in for Amplitude.
 */
@SpringBootTest(classes = EventRouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminEndpointsIntegrationTests {

    private static final String TOKEN = "admin-secret-0123456789";

    private static final String API_KEY = "project-key-0123456789";

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
            .build();

    @TempDir
    static Path folder;

    @LocalServerPort
    int port;

    @RegisterExtension
    final CapturedLogs serverErrors = new CapturedLogs(HttpWebHandlerAdapter.class);

    @Autowired
    EventPublisher publisher;

    @Autowired
    IdentityStore identities;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.file.enabled", () -> "false");
        registry.add("router.destinations.amplitude.enabled", () -> "true");
        registry.add("router.destinations.amplitude.url", amplitude::baseUrl);
        registry.add("router.destinations.amplitude.batch.max-wait", () -> "20ms");
        registry.add("router.dead-letters.path", () -> folder.resolve("dead-letters.mv").toString());
        registry.add("router.admin.token", () -> TOKEN);
        registry.add("router.bridge.read-timeout", () -> "1s");
    }

    private WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).build();
    }

    private JsonNode list(WebTestClient client) {
        byte[] body = client.get().uri("/admin/dead-letters?destination=amplitude")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isOk()
                .expectBody().returnResult().getResponseBodyContent();
        return MAPPER.readTree(body);
    }

    @Test
    void answers401WithoutTheAdminToken() {
        client().get().uri("/admin/dead-letters")
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"event-router-admin\"")
                .expectBody().jsonPath("$.code").isEqualTo(401);
    }

    @Test
    void answers401ToAWrongAdminToken() {
        client().post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer not-the-token")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"destination\":\"amplitude\",\"limit\":10}")
                .exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void servesTheIdentityLookupBehindTheAdminToken() {
        IdentityScope scope = IdentityScope.ofApiKey(API_KEY);
        this.identities.recordDeviceLink(scope, "admin-d1", new DeviceLink("admin-alice", 1_000)).block();

        client().get().uri("/admin/identities?device_id=admin-d1")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .header(IdentityAdminHandler.API_KEY_HEADER, API_KEY)
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.user_id").isEqualTo("admin-alice");
        client().get().uri("/admin/identities?device_id=admin-d1")
                .header(IdentityAdminHandler.API_KEY_HEADER, API_KEY)
                .exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void answers400ToANegativeAfter() {
        client().get().uri("/admin/dead-letters?after=-1")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.code").isEqualTo(400)
                .jsonPath("$.error").isEqualTo("after must be a letter id, 0 or more, but was -1");
    }

    @Test
    void answers400ToEmptyIds() {
        client().post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"destination\":\"amplitude\",\"ids\":[]}")
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("\"ids\" must be an array of 1 to 1000 letter ids");
    }

    @Test
    void replayRejectsNonIntegerLimit() {
        Map<String, String> expected = new TreeMap<>(Map.of(
                "\"5\"", "400 limit must be an integer between 1 and 1000, but was the string \"5\"",
                "1e2", "400 limit must be an integer between 1 and 1000, but was the decimal 100.0",
                "5.0", "400 limit must be an integer between 1 and 1000, but was the decimal 5.0",
                "true", "400 limit must be an integer between 1 and 1000, but was true",
                "null", "400 limit must be an integer between 1 and 1000, but was null",
                "1001", "400 limit must be between 1 and 1000, but was 1001",
                "99999999999999999999", "400 limit must be between 1 and 1000, but was 99999999999999999999"));

        Map<String, String> answers = new TreeMap<>();
        expected.keySet().forEach((limit) -> answers.put(limit,
                replayAnswer("{\"destination\":\"amplitude\",\"limit\":" + limit + "}")));

        assertThat(answers).isEqualTo(expected);
    }

    /** Returns the status of a replay and its error, or its whole body when it has none. */
    private String replayAnswer(String body) {
        EntityExchangeResult<byte[]> result = client().post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectBody().returnResult();
        JsonNode answer = MAPPER.readTree(result.getResponseBodyContent());
        String error = answer.has("error") ? answer.get("error").stringValue() : answer.toString();
        return result.getStatus().value() + " " + error;
    }

    @Test
    void replayRejectsDuplicateField() {
        // Read as a tree, the last "limit" would win and replay 1000 letters.
        String answer = replayAnswer("{\"destination\":\"amplitude\",\"limit\":1,\"limit\":1000}");

        assertThat(answer).isEqualTo("400 Duplicate field \"limit\": set each field once");
    }

    @Test
    void replayNamesEmptyIdsBesideLimit() {
        String answer = replayAnswer("{\"destination\":\"amplitude\",\"ids\":[],\"limit\":5}");

        assertThat(answer).isEqualTo("400 \"ids\" must be an array of 1 to 1000 letter ids");
    }

    @Test
    void namesReplayIdsNotFound() {
        client().post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"destination\":\"amplitude\",\"ids\":[999999,999999]}")
                .exchange()
                .expectStatus().isAccepted()
                .expectBody()
                .jsonPath("$.queued").isEqualTo(0)
                .jsonPath("$.already_replaying").isEqualTo(0)
                .jsonPath("$.not_found.length()").isEqualTo(1)
                .jsonPath("$.not_found[0]").isEqualTo(999999);
    }

    @Test
    void countsLettersAlreadyReplaying() {
        amplitude.stubFor(post(urlEqualTo("/2/httpapi")).inScenario("slow").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(400)
                        .withBody("{\"code\":400,\"error\":\"Invalid API key: " + API_KEY + "\"}"))
                .willSetStateTo("slow"));
        amplitude.stubFor(post(urlEqualTo("/2/httpapi")).inScenario("slow").whenScenarioStateIs("slow")
                .willReturn(okJson("{\"code\":200}").withFixedDelay(3000)));
        WebTestClient client = client();
        this.publisher.publish(Event.builder("signup").apiKey(API_KEY).deviceId("device-3").insertId("e3").build())
                .block(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(30)).until(() -> list(client).get("dead_letters").size() == 1);
        String replay = "{\"destination\":\"amplitude\",\"ids\":["
                + list(client).get("dead_letters").get(0).get("id").longValue() + "]}";

        JsonNode first = replay(client, replay);
        JsonNode second = replay(client, replay);

        assertThat(first.get("queued").intValue()).isEqualTo(1);
        assertThat(second.get("queued").intValue()).isZero();
        assertThat(second.get("already_replaying").intValue()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> list(client).get("dead_letters").isEmpty());
    }

    private JsonNode replay(WebTestClient client, String body) {
        byte[] answer = client.post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus().isAccepted()
                .expectBody().returnResult().getResponseBodyContent();
        return MAPPER.readTree(answer);
    }

    @Test
    void answers400ToAnUnknownDestination() {
        client().post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"destination\":\"nowhere\",\"limit\":10}")
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").value((String error) -> assertThat(error).contains("nowhere"));
    }

    @Test
    void replayRejectsUnsupportedFields() {
        // Read as a replay without a limit, the misspelt field would replay the oldest 100 letters.
        client().post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"destination\":\"amplitude\",\"lmit\":2}")
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").value((String error) -> assertThat(error).contains("\"lmit\""));
        client().post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"destination\":\"amplitude\",\"ids\":[1],\"limit\":2}")
                .exchange()
                .expectStatus().isBadRequest();
    }

    @Test
    void brokenReplayBodyLogsNoServerError() throws IOException {
        String head = "POST /admin/dead-letters/replay HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\n";
        try (Socket socket = new Socket("127.0.0.1", this.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 400 ");
        }
        try (Socket socket = new Socket("127.0.0.1", this.port)) {
            // The client declares more than it sends and leaves.
            socket.getOutputStream().write((head + "Content-Length: 500\r\n\r\n{\"destination\"")
                    .getBytes(StandardCharsets.US_ASCII));
        }

        // Without the response guard and the closed-client check, each logs a 500 with a stack trace.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> this.serverErrors.events().stream().noneMatch((event) -> event.getLevel() == Level.ERROR));
    }

    @Test
    void stalledReplayBodyGets408AndClose() throws IOException {
        String request = "POST /admin/dead-letters/replay HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"destination\"";

        String response = StalledConnections.responseToStalledBody(this.port, request);

        assertThat(response).startsWith("HTTP/1.1 408 ");
        assertThat(response).containsIgnoringCase("connection: close");
        assertThat(response)
                .contains("\"error\":\"Timed out reading the request body: it did not arrive within 1000 ms\"");
    }

    @Test
    void replayRejectsOversizedBody() {
        String ids = IntStream.range(0, 100_000).mapToObj(String::valueOf).collect(Collectors.joining(","));
        client().post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"destination\":\"amplitude\",\"ids\":[" + ids + "]}")
                .exchange()
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
                .expectBody().jsonPath("$.error").isNotEmpty();
    }

    @Test
    void listsDestinationsWithTheirFailures() {
        amplitude.stubFor(post(urlEqualTo("/2/httpapi"))
                .willReturn(aResponse().withStatus(503).withBody("{\"code\":503,\"error\":\"busy\"}")));
        WebTestClient client = client();
        this.publisher.publish(Event.builder("signup").apiKey(API_KEY).deviceId("device-2").insertId("e1").build())
                .block(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(30)).until(() -> destination(client).get("failing").booleanValue());
        JsonNode failing = destination(client);
        assertThat(failing.get("last_failure").stringValue()).isEqualTo("HTTP 503: busy");
        assertThat(failing.get("failed_deliveries").intValue()).isPositive();
        assertThat(failing.get("failing_since").stringValue()).isNotEmpty();
        assertThat(failing.get("backlog").longValue()).isEqualTo(1);
        assertThat(failing.get("retrying_events").intValue()).isEqualTo(1);
        assertThat(failing.get("retrying_since").stringValue()).isNotEmpty();
        assertThat(failing.get("paused_devices").intValue()).isZero();
        client.get().uri("/admin/destinations").exchange().expectStatus().isUnauthorized();

        amplitude.stubFor(post(urlEqualTo("/2/httpapi")).willReturn(okJson("{\"code\":200,\"events_ingested\":1,"
                + "\"payload_size_bytes\":1,\"server_upload_time\":1}")));

        await().atMost(Duration.ofSeconds(30)).until(() -> !destination(client).get("failing").booleanValue());
        JsonNode recovered = destination(client);
        assertThat(recovered.has("last_failure")).isFalse();
        assertThat(recovered.get("retrying_events").intValue()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> destination(client).get("backlog").longValue() == 0);
    }

    private JsonNode destination(WebTestClient client) {
        byte[] body = client.get().uri("/admin/destinations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isOk()
                .expectBody().returnResult().getResponseBodyContent();
        JsonNode destinations = MAPPER.readTree(body).get("destinations");
        assertThat(destinations).hasSize(1);
        assertThat(destinations.get(0).get("id").stringValue()).isEqualTo("amplitude");
        return destinations.get(0);
    }

    @Test
    void listsAndReplaysDeadLetters() {
        amplitude.stubFor(post(urlEqualTo("/2/httpapi")).inScenario("key").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(400)
                        .withBody("{\"code\":400,\"error\":\"Invalid API key: " + API_KEY + "\"}"))
                .willSetStateTo("fixed"));
        amplitude.stubFor(post(urlEqualTo("/2/httpapi")).inScenario("key").whenScenarioStateIs("fixed")
                .willReturn(okJson("{\"code\":200,\"events_ingested\":1,\"payload_size_bytes\":1,"
                        + "\"server_upload_time\":1}")));
        WebTestClient client = client();
        this.publisher.publish(Event.builder("signup").apiKey(API_KEY).deviceId("device-1").insertId("e0").build())
                .block(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(30)).until(() -> list(client).get("dead_letters").size() == 1);
        JsonNode letter = list(client).get("dead_letters").get(0);

        client.post().uri("/admin/dead-letters/replay")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"destination\":\"amplitude\",\"ids\":[" + letter.get("id").longValue() + "]}")
                .exchange()
                .expectStatus().isAccepted()
                .expectBody()
                .jsonPath("$.queued").isEqualTo(1)
                .jsonPath("$.already_replaying").isEqualTo(0)
                .jsonPath("$.not_found").isEmpty();

        assertThat(letter.get("reason").stringValue()).isEqualTo("invalid-api-key");
        assertThat(letter.get("api_key").stringValue()).doesNotContain(API_KEY);
        assertThat(letter.get("event").get("insert_id").stringValue()).isEqualTo("e0");
        await().atMost(Duration.ofSeconds(30)).until(() -> list(client).get("dead_letters").isEmpty());
        List<String> bodies = amplitude.findAll(postRequestedFor(urlEqualTo("/2/httpapi"))).stream()
                .map((request) -> request.getBodyAsString())
                .toList();
        assertThat(bodies).hasSize(2).allSatisfy((body) -> assertThat(body).contains("\"e0\"", API_KEY));
    }

}
