package io.eventrouter.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.eventrouter.core.event.Event;
import io.eventrouter.web.e2e.AmplitudeJsSdk;
import io.eventrouter.web.e2e.AmplitudeWireMock;
import io.eventrouter.web.e2e.BrowserExtension;
import io.eventrouter.web.e2e.BrowserRun;
import io.eventrouter.web.e2e.ExperimentSdk;
import io.eventrouter.web.e2e.SdkResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Browser SDKs, unmodified, in headless Chromium on a page of another origin, talking to the
 * bridge's own endpoints: {@code amplitude-js} 8 through the legacy form upload (whose
 * {@code Cross-Origin-Resource-Policy} header makes the browser send a preflight first), and
 * the Experiment client through the forwarded remote evaluation, with WireMock standing in for
 * Experiment.
 */
@SpringBootTest(classes = { EventRouterApplication.class, BridgeSdkIntegrationTests.Recording.class },
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "router.destinations.file.enabled=false",
                "router.bridge.api-keys=legacy-key-0001", "router.bridge.path-prefix=/amplitude" })
class BridgeSdkIntegrationTests {

    @RegisterExtension
    static BrowserExtension browser = new BrowserExtension();

    private static final String VARIANTS = "{\"checkout-flow\":{\"key\":\"treatment\",\"value\":\"treatment\","
            + "\"payload\":{\"steps\":2}}}";

    @RegisterExtension
    static WireMockExtension experiment = WireMockExtension.newInstance()
            .options(AmplitudeWireMock.loopbackOptions())
            .build();



    @LocalServerPort
    int port;

    @Autowired
    RecordingDestination destination;

    @DynamicPropertySource
    static void experimentUrl(DynamicPropertyRegistry registry) {
        registry.add("router.bridge.experiment.url", experiment::baseUrl);
        registry.add("router.bridge.experiment.flags-url", experiment::baseUrl);
    }

    private String bridgeUrl() {
        return "http://127.0.0.1:" + this.port + "/amplitude";
    }

    @Test
    void amplitudeJsUploadsThroughTheLegacyEndpoint() {
        BrowserRun run = AmplitudeJsSdk.logEventsAndIdentify(browser.chromium(), browser.pageServer(),
                bridgeUrl(), "legacy-key-0001",
                "legacy-user-0001", "legacy-device-0001", List.of("Legacy Opened", "Legacy Clicked"));

        assertThat(run.codes()).containsOnly(200);
        assertThat(run.results()).extracting(SdkResult::message).containsOnly("success");
        List<Event> events = await().atMost(Duration.ofSeconds(10))
                .until(() -> eventsOf("legacy-device-0001"), (received) -> received.size() >= 3);
        assertThat(events).extracting(Event::eventType)
                .containsExactlyInAnyOrder("Legacy Opened", "Legacy Clicked", "$identify");
        assertThat(events).allSatisfy((event) -> {
            assertThat(event.ip()).contains("127.0.0.1");
            assertThat(event.insertId()).isPresent();
            assertThat(event.time()).isPresent();
            assertThat(event.field("library").orElseThrow().stringValue()).startsWith("amplitude-js/");
        });
    }

    @Test
    void amplitudeJsGetsInvalidKeyForUnlistedKey() {
        BrowserRun run = AmplitudeJsSdk.logEventsAndIdentify(browser.chromium(), browser.pageServer(),
                bridgeUrl(), "unlisted-key-0001",
                "legacy-user-0002", "legacy-device-0002", List.of("Legacy Refused"));

        assertThat(run.codes()).containsOnly(400);
        assertThat(run.results()).extracting(SdkResult::message).containsOnly("invalid_api_key");
        assertThat(eventsOf("legacy-device-0002")).isEmpty();
    }

    @Test
    void experimentClientFetchesVariantsThroughTheBridge() {
        experiment.stubFor(get(urlPathEqualTo("/sdk/v2/vardata"))
                .willReturn(aResponse().withHeader("Content-Type", "application/json").withBody(VARIANTS)));

        ExperimentSdk.FetchRun run = ExperimentSdk.fetchVariants(browser.chromium(), browser.pageServer(), bridgeUrl(),
                "client-deployment-key-0001", "experiment-user-0001", "experiment-device-0001");

        assertThat(run.variants().get("checkout-flow").value()).isEqualTo("treatment");
        LoggedRequest forwarded = experiment.findAll(getRequestedFor(urlPathEqualTo("/sdk/v2/vardata"))).get(0);
        assertThat(forwarded.getHeader("Authorization")).isEqualTo("Api-Key client-deployment-key-0001");
        JsonNode user = JsonMapper.builder().build().readTree(new String(
                Base64.getDecoder().decode(forwarded.getHeader("X-Amp-Exp-User")), StandardCharsets.UTF_8));
        assertThat(user.path("user_id").asString()).isEqualTo("experiment-user-0001");
    }

    private List<Event> eventsOf(String deviceId) {
        return this.destination.events().stream()
                .filter((event) -> event.deviceId().filter(deviceId::equals).isPresent())
                .toList();
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Recording {

        @Bean
        RecordingDestination recordingDestination() {
            return new RecordingDestination();
        }

    }

}
