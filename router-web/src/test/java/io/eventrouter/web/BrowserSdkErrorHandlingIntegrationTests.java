package io.eventrouter.web;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.eventrouter.core.event.Event;
import io.eventrouter.web.e2e.BrowserExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @amplitude/analytics-browser}, unmodified, reacting to the bridge's error responses on
 * its timer-driven flush as it reacts to Amplitude's: after a 400 it drops only the events the
 * response names and sends the rest again, and after a 413 it halves its batch.
 */
@SpringBootTest(classes = { EventRouterApplication.class, BrowserSdkErrorHandlingIntegrationTests.Recording.class },
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "router.destinations.file.enabled=false",
                "router.bridge.http-api-max-body-size=6000B" })
class BrowserSdkErrorHandlingIntegrationTests {

    @RegisterExtension
    static BrowserExtension browser = new BrowserExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String RUN_SCRIPT = """
            const request = JSON.parse(arguments[0]);
            const done = arguments[arguments.length - 1];
            window.bridgeHarness.trackOnTimer(request).then(
              (results) => done(JSON.stringify(results)),
              (error) => done(JSON.stringify({ error: String((error && error.stack) || error) })));
            """;



    @LocalServerPort
    int port;

    @Autowired
    RecordingDestination destination;

    @Autowired
    ResponseRecorder responses;

    private JsonNode trackOnTimer(String deviceId, int flushQueueSize, List<Map<String, Object>> events) {
        Map<String, Object> request = Map.of("serverUrl", "http://127.0.0.1:" + this.port + "/2/httpapi",
                "apiKey", "browser-key-0001", "userId", "browser-user-0001", "deviceId", deviceId,
                "flushQueueSize", flushQueueSize, "events", events);
        browser.chromium().open(browser.pageServer().baseUri().resolve("/pages/analytics-browser-timer.html"));
        browser.chromium().deleteAllCookies();
        Object output = browser.chromium().executeAsync(Duration.ofSeconds(60), RUN_SCRIPT,
                JSON.writeValueAsString(request));
        JsonNode results = JSON.readTree((String) output);
        assertThat(results.isArray()).as("page output %s", output).isTrue();
        return results;
    }

    private List<Event> eventsOf(String deviceId) {
        return this.destination.events().stream()
                .filter((event) -> event.deviceId().filter(deviceId::equals).isPresent())
                .toList();
    }

    @Test
    void dropsOnlyEventsA400Names() {
        List<Map<String, Object>> events = List.of(
                Map.of("eventType", "Kept First"),
                Map.of("eventType", "Short Device", "options", Map.of("device_id", "abc")),
                Map.of("eventType", "Kept Second"));

        JsonNode results = trackOnTimer("browser-device-0400", 10, events);

        assertThat(results.findValuesAsString("eventType"))
                .containsExactly("Kept First", "Short Device", "Kept Second");
        assertThat(results.findValues("code")).extracting(JsonNode::intValue).containsExactly(200, 400, 200);
        List<Event> delivered = await().atMost(Duration.ofSeconds(10))
                .until(() -> eventsOf("browser-device-0400"), (received) -> received.size() >= 2);
        assertThat(delivered).extracting(Event::eventType).containsExactlyInAnyOrder("Kept First", "Kept Second");
    }

    @Test
    void halvesItsBatchAfterA413() {
        Map<String, Object> padded = Map.of("padding", "x".repeat(1500));
        List<Map<String, Object>> events = List.of(
                Map.of("eventType", "Large One", "properties", padded),
                Map.of("eventType", "Large Two", "properties", padded),
                Map.of("eventType", "Large Three", "properties", padded),
                Map.of("eventType", "Large Four", "properties", padded));

        JsonNode results = trackOnTimer("browser-device-0413", 4, events);

        assertThat(results.findValues("code")).extracting(JsonNode::intValue).containsOnly(200);
        assertThat(this.responses.responses()).contains("POST /2/httpapi 413");
        List<Event> delivered = await().atMost(Duration.ofSeconds(10))
                .until(() -> eventsOf("browser-device-0413"), (received) -> received.size() >= 4);
        assertThat(delivered).hasSize(4);
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Recording {

        @Bean
        RecordingDestination recordingDestination() {
            return new RecordingDestination();
        }

        @Bean
        ResponseRecorder responseRecorder() {
            return new ResponseRecorder();
        }

    }

}
