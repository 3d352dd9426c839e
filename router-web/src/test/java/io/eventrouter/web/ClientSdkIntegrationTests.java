package io.eventrouter.web;

import java.time.Duration;
import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.eventrouter.web.e2e.AmplitudeWireMock;
import io.eventrouter.web.e2e.BrowserRun;
import io.eventrouter.web.e2e.BrowserExtension;
import io.eventrouter.web.e2e.BrowserSdk;
import io.eventrouter.web.e2e.NodeSdk;
import io.eventrouter.web.e2e.SdkResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Amplitude's own SDKs, unmodified, pointed at the router, with WireMock standing in for
 * Amplitude behind it: the browser SDK in headless Chromium on a page of another origin, and the
 * Node SDK run by {@code node}.
 */
@SpringBootTest(classes = EventRouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "router.destinations.file.enabled=false",
                "router.destinations.amplitude.enabled=true", "router.destinations.amplitude.batch.max-wait=50ms" })
class ClientSdkIntegrationTests {

    @RegisterExtension
    static BrowserExtension browser = new BrowserExtension();

    private static final String API_KEY = "e2e-api-key-0001";

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(AmplitudeWireMock.loopbackOptions())
            .build();



    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void amplitudeUrl(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.amplitude.url", amplitude::baseUrl);
    }

    @BeforeEach
    void stubAmplitude() {
        AmplitudeWireMock.stubHttpApiSuccess(amplitude);
    }

    @Test
    void browserSdkEventsReachAmplitudeWithClientAddress() {
        List<String> eventTypes = List.of("Browser Opened", "Browser Clicked");

        BrowserRun run = BrowserSdk.trackAndIdentify(browser.chromium(), browser.pageServer(),
                routerUrl(), API_KEY, "browser-user-1",
                "browser-device-1", eventTypes);

        assertThat(run.results()).extracting(SdkResult::eventType)
                .containsExactly("Browser Opened", "Browser Clicked", SdkResult.IDENTIFY_EVENT_TYPE);
        assertThat(run.codes()).containsOnly(200);
        List<JsonNode> events = awaitEvents("browser-device-1", 3);
        assertThat(events).extracting((event) -> event.path("event_type").asString())
                .containsExactlyInAnyOrder("Browser Opened", "Browser Clicked", "$identify");
        assertThat(events).allSatisfy((event) -> assertThat(event.path("ip").asString()).isEqualTo("127.0.0.1"));
        assertThat(events).allSatisfy((event) -> assertThat(event.path("user_id").asString())
                .isEqualTo("browser-user-1"));
        JsonNode identify = events.stream().filter((event) -> "$identify".equals(event.path("event_type").asString()))
                .findFirst().orElseThrow();
        assertThat(identify.path("user_properties").has("$set")).isTrue();
    }

    @Test
    void nodeSdkEventsReachAmplitude() {
        List<String> eventTypes = List.of("Server Started", "Server Billed");

        List<SdkResult> results = NodeSdk.trackAndIdentify(routerUrl(), API_KEY, "node-user-1", eventTypes);

        assertThat(results).extracting(SdkResult::code).containsOnly(200);
        assertThat(results).hasSize(3);
        List<JsonNode> events = awaitEvents("node-user-1-device", 3);
        assertThat(events).extracting((event) -> event.path("event_type").asString())
                .containsExactlyInAnyOrder("Server Started", "Server Billed", "$identify");
        assertThat(events).allSatisfy((event) -> assertThat(event.path("ip").asString()).isNotEqualTo("$remote"));
    }

    private String routerUrl() {
        return "http://127.0.0.1:" + this.port + "/2/httpapi";
    }

    private static List<JsonNode> awaitEvents(String deviceId, int count) {
        return await().atMost(Duration.ofSeconds(20))
                .until(() -> eventsOf(deviceId), (events) -> events.size() >= count);
    }

    private static List<JsonNode> eventsOf(String deviceId) {
        return AmplitudeWireMock.httpApiEvents(amplitude).stream()
                .filter((event) -> deviceId.equals(event.path("device_id").asString()))
                .toList();
    }

}
