package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.eventrouter.core.amplitude.AmplitudeDestination;
import io.eventrouter.core.deadletter.DeadLetter;
import io.eventrouter.core.deadletter.StoredDeadLetter;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.eventrouter.core.pipeline.AmplitudeDispatch.OK;
import static io.eventrouter.core.pipeline.AmplitudeDispatch.event;
import static io.eventrouter.core.pipeline.AmplitudeDispatch.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Delivery through the pipeline to WireMock standing in for Amplitude: isolation, ordering,
 * retries, Amplitude's error responses and dead letters.
 */
class DispatchIntegrationTests {

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
            .build();

    private AmplitudeDispatch dispatch;

    @AfterEach
    void close() {
        if (this.dispatch != null) {
            this.dispatch.close();
        }
    }

    private static void answer(String destination, String status) {
        amplitude.stubFor(post(urlEqualTo(path(destination))).willReturn(aResponse()
                .withStatus(Integer.parseInt(status))
                .withHeader("Content-Type", "application/json")
                .withBody(status.equals("200") ? OK : "{\"code\":" + status + "}")));
    }

    /** Stubs a response with {@code status} and {@code body} to the first request, and 200 to every later one. */
    private static void answerFirst(int status, String body) {
        amplitude.stubFor(post(urlEqualTo(path("amplitude")))
                .inScenario("first")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                        .withBody(body))
                .willSetStateTo("answered"));
        amplitude.stubFor(post(urlEqualTo(path("amplitude")))
                .inScenario("first")
                .whenScenarioStateIs("answered")
                .willReturn(okJson(OK)));
    }

    private static final String THROTTLED_T = "{\"code\":429,\"error\":\"Too many requests for some devices "
            + "and users\",\"eps_threshold\":30,\"throttled_devices\":{\"device-T\":31},\"throttled_users\":{},"
            + "\"throttled_events\":[0],\"exceeded_daily_quota_users\":{},\"exceeded_daily_quota_devices\":{}}";

    private static Event[] devices(String prefix, int count) {
        return IntStream.range(0, count)
                .mapToObj((i) -> event("device-" + prefix + i, prefix + i))
                .toArray(Event[]::new);
    }

    @Test
    void isolatesHealthyDestinationFromFailingOne() {
        answer("healthy", "200");
        answer("broken", "503");
        this.dispatch = AmplitudeDispatch.builder(amplitude).destinations("broken", "healthy").start();

        for (int i = 0; i < 20; i++) {
            this.dispatch.submit(devices("batch" + i + "-", 10));
        }

        await().atMost(Duration.ofSeconds(30))
                .until(() -> this.dispatch.spool.backlog(DestinationId.of("healthy")) == 0);
        assertThat(this.dispatch.insertIdsPerRequest("healthy").stream().flatMap(List::stream).distinct().count())
                .isEqualTo(200);
        assertThat(this.dispatch.spool.backlog(DestinationId.of("broken"))).isEqualTo(200);
        assertThat(this.dispatch.requests("broken")).isNotEmpty();
    }

    @Test
    void keepsDeviceOrderAcrossRetries() {
        amplitude.stubFor(post(urlEqualTo(path("amplitude"))).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("second"));
        amplitude.stubFor(post(urlEqualTo(path("amplitude"))).inScenario("flaky").whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(500)).willSetStateTo("healthy"));
        amplitude.stubFor(post(urlEqualTo(path("amplitude"))).inScenario("flaky").whenScenarioStateIs("healthy")
                .willReturn(okJson(OK)));
        this.dispatch = AmplitudeDispatch.builder(amplitude).batchPolicy(new BatchPolicy(2, Duration.ofMillis(5)))
                .start();

        for (int i = 0; i < 10; i++) {
            this.dispatch.submit(event("device-A", "A" + i), event("device-B" + i, "B" + i));
        }

        // WireMock may journal a response a moment after the client has read it, so the test
        // waits for the journal rather than for the spool.
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.insertIdsDelivered("amplitude").stream()
                .filter((id) -> id.startsWith("A")).count() >= 10);
        List<String> deliveredOfA = this.dispatch.insertIdsDelivered("amplitude").stream()
                .filter((id) -> id.startsWith("A"))
                .toList();
        assertThat(deliveredOfA).containsExactly("A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9");
    }

    @Test
    void deadLettersOnlyEventsNamedBy400() {
        answerFirst(400, "{\"code\":400,\"error\":\"Invalid field values on some events\","
                + "\"events_with_invalid_fields\":{\"time\":[1]}}");
        this.dispatch = AmplitudeDispatch.builder(amplitude).start();

        this.dispatch.submit(event("device-1", "e0"), event("device-2", "e1"), event("device-3", "e2"));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1
                && this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        DeadLetter letter = this.dispatch.deadLetters().get(0).deadLetter();
        assertThat(letter.event().insertId()).hasValue("e1");
        assertThat(letter.reason()).isEqualTo("invalid-event");
        assertThat(letter.attempts()).isEqualTo(1);
        assertThat(this.dispatch.insertIdsPerRequest("amplitude")).containsExactly(List.of("e0", "e1", "e2"),
                List.of("e0", "e2"));
    }

    @Test
    void deadLettersBatchOnInvalidApiKey() {
        answer("amplitude", "200");
        amplitude.stubFor(post(urlEqualTo(path("amplitude"))).atPriority(1).willReturn(aResponse().withStatus(400)
                .withBody("{\"code\":400,\"error\":\"Invalid API key: " + AmplitudeDispatch.API_KEY + "\"}")));
        this.dispatch = AmplitudeDispatch.builder(amplitude).start();

        this.dispatch.submit(event("device-1", "e0"), event("device-2", "e1"));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 2);
        assertThat(this.dispatch.deadLetters()).allSatisfy((stored) -> {
            assertThat(stored.deadLetter().reason()).isEqualTo("invalid-api-key");
            assertThat(stored.deadLetter().detail()).doesNotContain(AmplitudeDispatch.API_KEY);
        });
    }

    @Test
    void splits413DownToOneEvent() {
        answer("amplitude", "200");
        amplitude.stubFor(post(urlEqualTo(path("amplitude"))).atPriority(1).withRequestBody(containing("\"huge\""))
                .willReturn(aResponse().withStatus(413).withBody("{\"code\":413,\"error\":\"Payload too large\"}")));
        this.dispatch = AmplitudeDispatch.builder(amplitude).start();

        this.dispatch.submit(event("device-1", "e0"), event("device-2", "huge"), event("device-3", "e2"),
                event("device-4", "e3"));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1
                && this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        assertThat(this.dispatch.deadLetters().get(0).deadLetter().reason()).isEqualTo("payload-too-large");
        assertThat(this.dispatch.insertIdsPerRequest("amplitude")).containsExactly(
                List.of("e0", "huge", "e2", "e3"), List.of("e0", "huge"), List.of("e0"), List.of("huge"),
                List.of("e2"), List.of("e3"));
    }

    @Test
    void sendsOversizeEventToBatchApi() {
        answer("amplitude", "200");
        amplitude.stubFor(post(urlEqualTo("/amplitude/batch")).willReturn(okJson(OK)));
        this.dispatch = AmplitudeDispatch.builder(amplitude)
                .batchPolicy(new BatchPolicy(100, AmplitudeDestination.MAX_HTTP_API_BYTES, Duration.ofMillis(20)))
                .start();
        Event large = Event.builder("large").apiKey(AmplitudeDispatch.API_KEY).deviceId("device-1").insertId("large")
                .eventProperty("text", "x".repeat(1_500_000))
                .build();

        this.dispatch.submit(large, event("device-2", "e0"));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        assertThat(this.dispatch.deadLetters()).isEmpty();
        assertThat(amplitude.findAll(postRequestedFor(urlEqualTo("/amplitude/batch"))))
                .singleElement().extracting(AmplitudeDispatch::insertIds).isEqualTo(List.of("large"));
        assertThat(this.dispatch.insertIdsPerRequest("amplitude").stream().flatMap(List::stream).toList())
                .containsExactly("e0");
    }

    @Test
    void pausesOnlyThrottledDevice() {
        answerFirst(429, THROTTLED_T);
        this.dispatch = AmplitudeDispatch.builder(amplitude).throttlePause(Duration.ofMinutes(10)).start();
        this.dispatch.submit(event("device-T", "T0"), event("device-1", "e0"));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.requests("amplitude").size() == 2);

        this.dispatch.submit(event("device-T", "T1"), event("device-2", "e1"));
        this.dispatch.submit(event("device-3", "e2"));

        // Every request after the 429 succeeds, so whatever they carried was delivered.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.dispatch
                .insertIdsPerRequest("amplitude").stream().skip(1).flatMap(List::stream).toList())
                .containsExactlyInAnyOrder("e0", "e1", "e2"));
        assertThat(this.dispatch.deadLetters()).isEmpty();
    }

    @Test
    void leavesPausedDeviceEventsInSpool() {
        answerFirst(429, THROTTLED_T);
        this.dispatch = AmplitudeDispatch.builder(amplitude).throttlePause(Duration.ofMinutes(10))
                .batchPolicy(new BatchPolicy(5, Duration.ofMillis(5)))
                .maxHeldEvents(10)
                .start();
        this.dispatch.submit(event("device-T", "T0"));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.requests("amplitude").size() == 1);

        // Far more events of the paused device than the dispatcher may hold: they wait in the spool.
        for (int i = 1; i <= 50; i++) {
            this.dispatch.submit(event("device-T", "T" + i), event("device-" + i, "e" + i));
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.dispatch
                .insertIdsPerRequest("amplitude").stream().skip(1).flatMap(List::stream).toList())
                .hasSize(50)
                .allMatch((id) -> id.startsWith("e")));
        DestinationStatus status = this.dispatch.pipeline.status(DestinationId.of("amplitude"));
        assertThat(status.pausedDevices()).isEqualTo(1);
        assertThat(status.failing()).isFalse();
    }

    /**
     * Batches that close at ten events, so the ten throttled devices' first events always travel in
     * one request, however late a loaded machine runs the batch timer.
     */
    private static final BatchPolicy TEN_DEVICE_BATCHES = new BatchPolicy(10, Duration.ofSeconds(2));

    /** A 429 that throttles the ten devices device-T0 to device-T9. */
    private static String throttledTenDevices() {
        StringBuilder devices = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            devices.append((i == 0) ? "" : ",").append("\"device-T").append(i).append("\":31");
        }
        return "{\"code\":429,\"error\":\"Too many requests for some devices and users\",\"eps_threshold\":30,"
                + "\"throttled_devices\":{" + devices + "},\"throttled_users\":{},\"throttled_events\":[],"
                + "\"exceeded_daily_quota_users\":{},\"exceeded_daily_quota_devices\":{}}";
    }

    /** Submits ten throttled devices' first events, then two more per device beside twenty other devices. */
    private void submitBehindTenPausedDevices() {
        this.dispatch.submit(devices("T", 10));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.requests("amplitude").size() == 1);
        for (int n = 1; n <= 2; n++) {
            for (int i = 0; i < 10; i++) {
                this.dispatch.submit(event("device-T" + i, "T" + i + "-" + n), event("device-" + n + i, "e" + n + i));
            }
        }
    }

    private List<String> deliveredAfterTheFirstRequest() {
        return this.dispatch.insertIdsPerRequest("amplitude").stream().skip(1).flatMap(List::stream).toList();
    }

    @Test
    void keepsFlowingWhenPausedDevicesFillTheHeap() {
        answerFirst(429, throttledTenDevices());
        this.dispatch = AmplitudeDispatch.builder(amplitude).throttlePause(Duration.ofMinutes(10))
                .maxHeldEvents(10)
                .batchPolicy(TEN_DEVICE_BATCHES)
                .start();

        submitBehindTenPausedDevices();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(deliveredAfterTheFirstRequest())
                .hasSize(20)
                .allMatch((id) -> id.startsWith("e")));
    }

    @Test
    void resendsParkedDevicesInOrderAfterTheirPause() {
        answerFirst(429, throttledTenDevices());
        this.dispatch = AmplitudeDispatch.builder(amplitude).throttlePause(Duration.ofMillis(300))
                .maxHeldEvents(10)
                .batchPolicy(TEN_DEVICE_BATCHES)
                .start();

        submitBehindTenPausedDevices();

        await().atMost(Duration.ofSeconds(30)).until(() -> deliveredAfterTheFirstRequest().size() == 50);
        List<String> delivered = deliveredAfterTheFirstRequest();
        for (int i = 0; i < 10; i++) {
            String device = "T" + i;
            assertThat(delivered.stream().filter((id) -> id.equals(device) || id.startsWith(device + "-")).toList())
                    .containsExactly(device, device + "-1", device + "-2");
        }
    }

    @Test
    void resendsThrottledDeviceInOrderAfterPause() {
        answerFirst(429, THROTTLED_T);
        this.dispatch = AmplitudeDispatch.builder(amplitude).throttlePause(Duration.ofMillis(300)).start();
        this.dispatch.submit(event("device-T", "T0"), event("device-1", "e0"));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.requests("amplitude").size() == 2);

        this.dispatch.submit(event("device-T", "T1"));
        this.dispatch.submit(event("device-T", "T2"));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        List<String> deliveredOfT = this.dispatch.insertIdsPerRequest("amplitude").stream().skip(1)
                .flatMap(List::stream).filter((id) -> id.startsWith("T")).toList();
        assertThat(deliveredOfT).containsExactly("T0", "T1", "T2");
    }

    @Test
    void deadLettersEventsOverDailyQuota() {
        answerFirst(429, "{\"code\":429,\"error\":\"Too many requests for some devices and users\","
                + "\"eps_threshold\":30,\"throttled_devices\":{},\"throttled_users\":{},\"throttled_events\":[],"
                + "\"exceeded_daily_quota_users\":{},\"exceeded_daily_quota_devices\":{\"device-Q\":500900}}");
        this.dispatch = AmplitudeDispatch.builder(amplitude).start();

        this.dispatch.submit(event("device-Q", "Q0"), event("device-1", "e0"));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1
                && this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        DeadLetter letter = this.dispatch.deadLetters().get(0).deadLetter();
        assertThat(letter.event().insertId()).hasValue("Q0");
        assertThat(letter.reason()).isEqualTo("daily-quota-exceeded");
        assertThat(this.dispatch.insertIdsPerRequest("amplitude")).last().isEqualTo(List.of("e0"));
    }

    @Test
    void retriesServerErrorsResetsAndTimeouts() {
        String path = path("amplitude");
        amplitude.stubFor(post(urlEqualTo(path)).inScenario("bad").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("reset"));
        amplitude.stubFor(post(urlEqualTo(path)).inScenario("bad").whenScenarioStateIs("reset")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("slow"));
        amplitude.stubFor(post(urlEqualTo(path)).inScenario("bad").whenScenarioStateIs("slow")
                .willReturn(okJson(OK).withFixedDelay(1_500)).willSetStateTo("healthy"));
        amplitude.stubFor(post(urlEqualTo(path)).inScenario("bad").whenScenarioStateIs("healthy")
                .willReturn(okJson(OK)));
        this.dispatch = AmplitudeDispatch.builder(amplitude).timeout(Duration.ofMillis(300)).start();

        this.dispatch.submit(event("device-1", "e0"));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        // Under load a healthy response may also time out and be retried, so count at least.
        assertThat(this.dispatch.requests("amplitude")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(this.dispatch.deadLetters()).isEmpty();
    }

    @Test
    void isolatesDeviceWhoseServerErrorsFailItsBatch() {
        answer("amplitude", "200");
        amplitude.stubFor(post(urlEqualTo(path("amplitude"))).withRequestBody(containing("device-bad"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody("{\"code\":500,\"error\":\"Internal server error\"}")));
        this.dispatch = AmplitudeDispatch.builder(amplitude)
                .retryPolicy(new RetryPolicy(10, Duration.ofHours(1), Duration.ofMillis(500), Duration.ofMillis(500)))
                .start();

        // Sixteen devices take four halvings; the retries wait long enough for device-ok to go first.
        Event[] batch = devices("mate", 16);
        batch[5] = event("device-bad", "bad");
        this.dispatch.submit(batch);
        await().atMost(Duration.ofSeconds(30)).until(() -> !this.dispatch.requests("amplitude").isEmpty());
        this.dispatch.submit(event("device-ok", "ok"));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        assertThat(this.dispatch.deadLetters()).extracting((letter) -> letter.deadLetter().event().insertId())
                .containsExactly(Optional.of("bad"));
        assertThat(this.dispatch.insertIdsDelivered("amplitude")).doesNotHaveDuplicates().hasSize(16)
                .contains("ok", "mate0", "mate15").doesNotContain("bad", "mate5");
    }

    @Test
    void honoursRetryAfter() {
        answerFirst(503, "{\"code\":503}");
        amplitude.stubFor(post(urlEqualTo(path("amplitude"))).inScenario("first")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "1"))
                .willSetStateTo("answered"));
        this.dispatch = AmplitudeDispatch.builder(amplitude).start();

        this.dispatch.submit(event("device-1", "e0"));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        List<LoggedRequest> requests = this.dispatch.requests("amplitude");
        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).getLoggedDate().getTime() - requests.get(0).getLoggedDate().getTime())
                .isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void deadLettersAfterMaxAttempts() {
        answer("amplitude", "503");
        this.dispatch = AmplitudeDispatch.builder(amplitude)
                .retryPolicy(new RetryPolicy(3, Duration.ofHours(1), Duration.ofMillis(5), Duration.ofMillis(10)))
                .start();

        this.dispatch.submit(event("device-1", "e0"));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1
                && this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        DeadLetter letter = this.dispatch.deadLetters().get(0).deadLetter();
        assertThat(letter.reason()).isEqualTo(DeadLetter.RETRY_BUDGET_EXHAUSTED);
        assertThat(letter.attempts()).isEqualTo(3);
        assertThat(letter.event().context().apiKey()).isEqualTo(AmplitudeDispatch.API_KEY);
        assertThat(this.dispatch.requests("amplitude")).hasSize(3);
    }

    @Test
    void deadLettersAfterMaxAge() {
        answer("amplitude", "503");
        this.dispatch = AmplitudeDispatch.builder(amplitude)
                .retryPolicy(new RetryPolicy(1_000, Duration.ofMillis(300), Duration.ofMillis(5),
                        Duration.ofMillis(20)))
                .start();

        this.dispatch.submit(event("device-1", "e0"));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1);
        assertThat(this.dispatch.deadLetters().get(0).deadLetter().reason())
                .isEqualTo(DeadLetter.RETRY_BUDGET_EXHAUSTED);
    }

    @Test
    void replayRedeliversAndRemovesDeadLetters() {
        answerFirst(400, "{\"code\":400,\"error\":\"Invalid API key: " + AmplitudeDispatch.API_KEY + "\"}");
        this.dispatch = AmplitudeDispatch.builder(amplitude).start();
        this.dispatch.submit(event("device-1", "e0"));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1);
        List<StoredDeadLetter> letters = this.dispatch.deadLetters();

        Integer queued = this.dispatch.pipeline.replay(DestinationId.of("amplitude"), letters)
                .block(Duration.ofSeconds(5));

        assertThat(queued).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().isEmpty());
        assertThat(this.dispatch.insertIdsPerRequest("amplitude")).containsExactly(List.of("e0"), List.of("e0"));
    }

    @Test
    void replaySkipsLettersAwaitingRemoval() {
        answerFirst(400, "{\"code\":400,\"error\":\"Invalid API key: " + AmplitudeDispatch.API_KEY + "\"}");
        this.dispatch = AmplitudeDispatch.builder(amplitude).holdDeadLetterRemovals().start();
        this.dispatch.submit(event("device-1", "e0"));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1);
        List<StoredDeadLetter> letters = this.dispatch.deadLetters();
        DestinationId destination = DestinationId.of("amplitude");

        this.dispatch.pipeline.replay(destination, letters).block(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.insertIdsPerRequest("amplitude").size() == 2);
        Integer queuedAgain = this.dispatch.pipeline.replay(destination, letters).block(Duration.ofSeconds(5));
        this.dispatch.removals.complete(null);

        assertThat(queuedAgain).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().isEmpty());
        assertThat(this.dispatch.insertIdsPerRequest("amplitude")).containsExactly(List.of("e0"), List.of("e0"));
    }

    @Test
    void replayRefusedAgainKeepsLetterHistory() {
        amplitude.stubFor(post(urlEqualTo("/2/httpapi")).willReturn(aResponse().withStatus(400)
                .withBody("{\"code\":400,\"error\":\"Invalid API key: " + AmplitudeDispatch.API_KEY + "\"}")));
        this.dispatch = AmplitudeDispatch.builder(amplitude).start();
        this.dispatch.submit(event("device-1", "e0"));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1);
        StoredDeadLetter first = this.dispatch.deadLetters().get(0);

        this.dispatch.pipeline.replay(DestinationId.of("amplitude"), List.of(first)).block(Duration.ofSeconds(5));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.deadLetters().size() == 1
                && this.dispatch.deadLetters().get(0).id() != first.id());
        DeadLetter again = this.dispatch.deadLetters().get(0).deadLetter();
        assertThat(again.attempts()).isEqualTo(first.deadLetter().attempts() + 1);
        assertThat(again.firstAttempt()).isEqualTo(first.deadLetter().firstAttempt());
        assertThat(again.lastAttempt()).isAfterOrEqualTo(first.deadLetter().lastAttempt());
    }

    @Test
    void closesBatchesAtUtf8ByteLimit() {
        answer("amplitude", "200");
        this.dispatch = AmplitudeDispatch.builder(amplitude)
                .batchPolicy(new BatchPolicy(100, 900, Duration.ofMillis(20)))
                .start();
        // Each event is about 390 bytes but 240 characters: two fit in 900 bytes, three would fit in 900 characters.
        String text = "é".repeat(150);
        Event[] events = IntStream.range(0, 6)
                .mapToObj((i) -> Event.builder("click").apiKey(AmplitudeDispatch.API_KEY).deviceId("device-" + i)
                        .insertId("e" + i).eventProperty("text", text).build())
                .toArray(Event[]::new);

        this.dispatch.submit(events);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> this.dispatch.spool.backlog(DestinationId.of("amplitude")) == 0);
        assertThat(this.dispatch.insertIdsPerRequest("amplitude")).containsExactlyInAnyOrder(List.of("e0", "e1"),
                List.of("e2", "e3"), List.of("e4", "e5"));
    }

    @Test
    void countsEventsPerSourceAndDestination() {
        answerFirst(400, "{\"code\":400,\"error\":\"Invalid field values on some events\","
                + "\"events_with_invalid_fields\":{\"time\":[1]}}");
        this.dispatch = AmplitudeDispatch.builder(amplitude).start();

        this.dispatch.submit(event("device-1", "e0"), event("device-2", "e1"), event("device-3", "e2"));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.meters.find(PipelineMetrics.DELIVERED)
                .tags("source", "test", "destination", "amplitude").counter() != null
                && this.dispatch.meters.get(PipelineMetrics.DELIVERED).counter().count() == 2);
        assertThat(count(PipelineMetrics.RECEIVED, "source", "test")).isEqualTo(3);
        assertThat(count(PipelineMetrics.ACCEPTED, "source", "test")).isEqualTo(3);
        assertThat(count(PipelineMetrics.RETRIED, "source", "test", "destination", "amplitude")).isEqualTo(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> this.dispatch.meters.find(PipelineMetrics.DEAD_LETTERED)
                .counter() != null);
        assertThat(count(PipelineMetrics.DEAD_LETTERED, "source", "test", "destination", "amplitude",
                "reason", "invalid-event")).isEqualTo(1);
        assertThat(this.dispatch.meters.get(PipelineMetrics.DELIVERY_LATENCY).tag("outcome", "failed").timer()
                .count()).isEqualTo(1);
        assertThat(this.dispatch.meters.get(PipelineMetrics.BACKLOG).gauge().value()).isZero();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> this.dispatch.meters.get(PipelineMetrics.DEAD_LETTERS_STORED).gauge().value() == 1);
    }

    private double count(String name, String... tags) {
        return this.dispatch.meters.get(name).tags(tags).counter().count();
    }

}
