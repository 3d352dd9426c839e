package io.eventrouter.web.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Checks the harness itself: Amplitude's real SDKs, pointed straight at WireMock standing
 * in for Amplitude, must report success, and WireMock must receive every event.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AmplitudeSdkHarnessIntegrationTests {

    @RegisterExtension
    static BrowserExtension browser = new BrowserExtension();

    private static final String API_KEY = "harness-api-key";

    private static final List<String> EVENT_TYPES = List.of("Harness Opened", "Harness Clicked");

    private static final List<String> EXPECTED_EVENT_TYPES = List.of("Harness Opened", "Harness Clicked",
            SdkResult.IDENTIFY_EVENT_TYPE);



    private WireMockServer amplitude;

    @BeforeEach
    void startAmplitude() {
        this.amplitude = new WireMockServer(AmplitudeWireMock.loopbackOptions());
        this.amplitude.start();
    }

    @AfterEach
    void stopAmplitude() {
        this.amplitude.stop();
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + this.amplitude.port();
    }

    private String httpApiUrl() {
        return baseUrl() + AmplitudeWireMock.HTTP_API_PATH;
    }

    @Test
    void browserSdkReportsSuccess() {
        AmplitudeWireMock.stubHttpApiSuccess(this.amplitude);

        BrowserRun run = BrowserSdk.trackAndIdentify(browser.chromium(), browser.pageServer(),
                httpApiUrl(), API_KEY, "browser-user",
                "browser-device", EVENT_TYPES);

        assertThat(run.results()).extracting(SdkResult::eventType).containsExactlyElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(run.codes()).containsOnly(200);
    }

    @Test
    void browserSdkDeliversEvents() {
        AmplitudeWireMock.stubHttpApiSuccess(this.amplitude);
        String userId = "browser-user-" + UUID.randomUUID();
        String deviceId = "browser-device-" + UUID.randomUUID();

        BrowserSdk.trackAndIdentify(browser.chromium(), browser.pageServer(),
                httpApiUrl(), API_KEY, userId, deviceId, EVENT_TYPES);

        List<JsonNode> events = AmplitudeWireMock.httpApiEvents(this.amplitude);
        assertThat(events).extracting((event) -> event.path("event_type").asString())
            .containsExactlyInAnyOrderElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(events).extracting((event) -> event.path("user_id").asString()).containsOnly(userId);
        assertThat(events).extracting((event) -> event.path("device_id").asString()).containsOnly(deviceId);
        assertThat(events).extracting((event) -> event.path("ip").asString()).containsOnly("$remote");
        assertThat(identifySet(events).path("plan").asString()).isEqualTo("harness");
    }

    @Test
    void browserSdkUploadsCrossOrigin() {
        AmplitudeWireMock.stubHttpApiSuccess(this.amplitude);

        BrowserSdk.trackAndIdentify(browser.chromium(), browser.pageServer(),
                httpApiUrl(), API_KEY, "cors-user", "cors-device",
                EVENT_TYPES);

        List<LoggedRequest> uploads = AmplitudeWireMock.uploads(this.amplitude, AmplitudeWireMock.HTTP_API_PATH);
        assertThat(uploads).isNotEmpty();
        for (LoggedRequest upload : uploads) {
            assertThat(upload.getHeader("Origin")).isEqualTo(browser.pageServer().baseUri().toString());
            assertThat(upload.getHeader("Content-Type")).startsWith("application/json");
            assertThat(apiKeyOf(upload)).isEqualTo(API_KEY);
        }
    }

    @Test
    void browserSdkFetchesOnlyLoopback() {
        AmplitudeWireMock.stubHttpApiSuccess(this.amplitude);

        BrowserRun run = BrowserSdk.trackAndIdentify(browser.chromium(), browser.pageServer(),
                httpApiUrl(), API_KEY, "fetch-user",
                "fetch-device", EVENT_TYPES);

        // Resource Timing lists requests that failed to resolve too, so a request to an
        // Amplitude host would appear here.
        assertThat(run.resourceUrls()).contains(httpApiUrl());
        assertThat(run.resourceUrls()).allMatch((url) -> url.startsWith("http://127.0.0.1:"));
    }

    @Test
    void browserSdkReportsFailedUpload() {
        // Without a stub, WireMock returns HTTP 404 with a body that is not Amplitude's.
        SdkRequest request = SdkRequest.of(httpApiUrl(), API_KEY, "error-user", "error-device", EVENT_TYPES)
            .withInitOptions(Map.of("flushMaxRetries", 1));

        BrowserRun run = BrowserSdk.trackAndIdentify(browser.chromium(), browser.pageServer(), request);

        assertThat(run.results()).extracting(SdkResult::eventType).containsExactlyElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(run.codes()).containsOnly(404);
    }

    @Test
    void nodeSdkReportsSuccess() {
        AmplitudeWireMock.stubHttpApiSuccess(this.amplitude);

        List<SdkResult> results = NodeSdk.trackAndIdentify(httpApiUrl(), API_KEY, "node-user", EVENT_TYPES);

        assertThat(results).extracting(SdkResult::eventType).containsExactlyElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(results).extracting(SdkResult::code).containsOnly(200);
    }

    @Test
    void nodeSdkDeliversEvents() {
        AmplitudeWireMock.stubHttpApiSuccess(this.amplitude);
        String userId = "node-user-" + UUID.randomUUID();

        NodeSdk.trackAndIdentify(httpApiUrl(), API_KEY, userId, EVENT_TYPES);

        List<JsonNode> events = AmplitudeWireMock.httpApiEvents(this.amplitude);
        assertThat(events).extracting((event) -> event.path("event_type").asString())
            .containsExactlyInAnyOrderElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(events).extracting((event) -> event.path("user_id").asString()).containsOnly(userId);
        assertThat(identifySet(events).path("plan").asString()).isEqualTo("harness");
        assertThat(AmplitudeWireMock.uploads(this.amplitude, AmplitudeWireMock.HTTP_API_PATH))
            .extracting(AmplitudeSdkHarnessIntegrationTests::apiKeyOf)
            .containsOnly(API_KEY);
    }

    @Test
    void nodeSdkReportsFailedUpload() {
        SdkRequest request = SdkRequest.of(httpApiUrl(), API_KEY, "error-user", "error-device", EVENT_TYPES)
            .withInitOptions(Map.of("flushMaxRetries", 1));

        List<SdkResult> results = NodeSdk.trackAndIdentify(request);

        assertThat(results).extracting(SdkResult::eventType).containsExactlyElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(results).extracting(SdkResult::code).containsOnly(404);
    }

    @Test
    void nodeSdkTimesOut() {
        this.amplitude.stubFor(post(urlPathEqualTo(AmplitudeWireMock.HTTP_API_PATH))
            .willReturn(aResponse().withStatus(200).withFixedDelay(5_000)));
        SdkRequest request = SdkRequest.of(httpApiUrl(), API_KEY, "slow-user", "slow-device", EVENT_TYPES);

        assertThatIllegalStateException().isThrownBy(() -> NodeSdk.trackAndIdentify(request, Duration.ofSeconds(1)))
            .withMessageContaining("timed out after 1000 ms");
    }

    @Test
    void amplitudeJsDeliversEvents() {
        AmplitudeWireMock.stubLegacyUploadSuccess(this.amplitude);
        String userId = "legacy-user-" + UUID.randomUUID();

        BrowserRun run = AmplitudeJsSdk.logEventsAndIdentify(browser.chromium(), browser.pageServer(),
                baseUrl() + AmplitudeWireMock.LEGACY_UPLOAD_PATH, API_KEY, userId, "legacy-device", EVENT_TYPES);

        assertThat(run.results()).extracting(SdkResult::eventType).containsExactlyElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(run.codes()).containsOnly(200);
        assertThat(run.results()).extracting(SdkResult::message).containsOnly("success");
        List<JsonNode> events = AmplitudeWireMock.legacyEvents(this.amplitude);
        assertThat(events).extracting((event) -> event.path("event_type").asString())
            .containsExactlyInAnyOrderElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(events).extracting((event) -> event.path("user_id").asString()).containsOnly(userId);
        assertThat(identifySet(events).path("plan").asString()).isEqualTo("harness");
        List<LoggedRequest> uploads = AmplitudeWireMock.uploads(this.amplitude, AmplitudeWireMock.LEGACY_UPLOAD_PATH);
        assertThat(uploads).extracting((upload) -> AmplitudeWireMock.formField(upload.getBodyAsString(), "client")
            .findFirst()
            .orElse(null)).containsOnly(API_KEY);
    }

    @Test
    void experimentClientFetchesVariants() {
        AmplitudeWireMock.stubVariants(this.amplitude, "{\"harness-flag\":{\"key\":\"on\",\"value\":\"on\"}}");

        ExperimentSdk.FetchRun run = ExperimentSdk.fetchVariants(browser.chromium(), browser.pageServer(), baseUrl(),
                "harness-deployment-key", "experiment-user", "experiment-device");

        assertThat(run.variants()).containsKey("harness-flag");
        assertThat(run.variants().get("harness-flag").value()).isEqualTo("on");
        List<LoggedRequest> fetches = this.amplitude
            .findAll(getRequestedFor(urlPathEqualTo(AmplitudeWireMock.VARIANTS_PATH)));
        assertThat(fetches).hasSize(1);
        assertThat(fetches.get(0).getHeader("Authorization")).isEqualTo("Api-Key harness-deployment-key");
        String user = new String(Base64.getUrlDecoder().decode(fetches.get(0).getHeader("X-Amp-Exp-User")),
                StandardCharsets.UTF_8);
        assertThat(HarnessPage.jsonMapper.readTree(user).path("user_id").asString()).isEqualTo("experiment-user");
    }

    @Test
    void amplitudeJsReportsFailedUpload() {
        BrowserRun run = AmplitudeJsSdk.logEventsAndIdentify(browser.chromium(), browser.pageServer(),
                baseUrl() + AmplitudeWireMock.LEGACY_UPLOAD_PATH, API_KEY, "legacy-error-user", "legacy-device",
                EVENT_TYPES);

        assertThat(run.results()).extracting(SdkResult::eventType).containsExactlyElementsOf(EXPECTED_EVENT_TYPES);
        assertThat(run.codes()).containsOnly(404);
    }

    @Test
    void experimentClientReportsFailedFetch() {
        assertThatIllegalStateException()
            .isThrownBy(() -> ExperimentSdk.fetchVariants(browser.chromium(), browser.pageServer(),
                    baseUrl(), "harness-deployment-key",
                    "experiment-user", "experiment-device"))
            .withMessageContaining("fetchVariants failed")
            .withMessageContaining("Screenshot: ");
    }

    @Test
    void pageServerRejectsPathsOutsideItsFolders() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (String path : List.of("/package.json", "/send-with-node-sdk.mjs", "/node_modules/../package.json",
                "/pages/%2e%2e/package.json", "/pages/missing.html")) {
            // URI.create keeps the dot segments, which URI.resolve would remove.
            HttpRequest request = HttpRequest.newBuilder(URI.create(browser.pageServer().baseUri() + path))
                .timeout(Duration.ofSeconds(5))
                .build();

            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());

            assertThat(response.statusCode()).as(path).isEqualTo(404);
        }
    }

    @Test
    void pageServerServesSdkScripts() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (SdkPage page : SdkPage.values()) {
            URI script = browser.pageServer().baseUri().resolve("/" + page.scriptPath());
            HttpRequest request = HttpRequest.newBuilder(script)
                .timeout(Duration.ofSeconds(5))
                .build();

            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());

            assertThat(response.statusCode()).as(page.scriptPath()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).as(page.scriptPath())
                .hasValue("text/javascript; charset=utf-8");
        }
    }

    private static JsonNode identifySet(List<JsonNode> events) {
        return events.stream()
            .filter((event) -> SdkResult.IDENTIFY_EVENT_TYPE.equals(event.path("event_type").asString()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("No $identify event among " + events))
            .path("user_properties")
            .path("$set");
    }

    private static String apiKeyOf(LoggedRequest upload) {
        return HarnessPage.jsonMapper.readTree(upload.getBodyAsString()).path("api_key").asString();
    }

}
