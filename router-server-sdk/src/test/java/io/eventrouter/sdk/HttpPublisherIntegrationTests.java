package io.eventrouter.sdk;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.eventrouter.core.event.Event;
import io.eventrouter.sdk.internal.HttpTransport;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class HttpPublisherIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final String SUCCESS = "{\"code\":200,\"events_ingested\":1,\"payload_size_bytes\":1,"
            + "\"server_upload_time\":1}";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
            .build();

    private EventPublisher publisher = publisher((builder) -> { });

    /** Builds a publisher with fast test settings, then applies the test's own. */
    private EventPublisher publisher(Consumer<EventPublisher.Builder> customizer) {
        EventPublisher.Builder builder = EventPublisher.builder()
                .http(URI.create(amplitude.baseUrl()))
                .apiKey("0123456789abcdef")
                .maxBatchEvents(10)
                .maxBatchWait(Duration.ofMillis(20))
                .initialBackoff(Duration.ofMillis(10))
                .maxBackoff(Duration.ofMillis(50))
                .throttlePause(Duration.ofMillis(20))
                .requestTimeout(Duration.ofSeconds(2))
                .maxAttempts(3)
                .closeTimeout(Duration.ofSeconds(2));
        customizer.accept(builder);
        return builder.build();
    }

    @AfterEach
    void close() {
        this.publisher.close();
    }

    private Event event(int number) {
        return this.publisher.track("Event " + number).userId("user-" + number).build();
    }

    private List<Event> events(int count) {
        return IntStream.range(0, count).mapToObj(this::event).toList();
    }

    private static List<LoggedRequest> uploads() {
        return amplitude.findAll(postRequestedFor(urlEqualTo("/2/httpapi")));
    }

    private static JsonNode body(LoggedRequest request) {
        return JSON.readTree(request.getBodyAsString());
    }

    private static void answer(ResponseDefinitionBuilder... answers) {
        String state = Scenario.STARTED;
        for (int i = 0; i < answers.length; i++) {
            String next = (i == answers.length - 1) ? state : "answer-" + (i + 1);
            amplitude.stubFor(post("/2/httpapi").inScenario("answers").whenScenarioStateIs(state)
                    .willReturn(answers[i]).willSetStateTo(next));
            state = next;
        }
    }

    private static void expectFailure(Mono<Void> published, PublishException.Reason reason) {
        StepVerifier.create(published)
                .expectErrorSatisfies((error) -> assertThat(((PublishException) error).reason()).isEqualTo(reason))
                .verify(TIMEOUT);
    }

    @Test
    void publishSendsGzippedAmplitudeUpload() {
        answer(okJson(SUCCESS));

        StepVerifier.create(this.publisher.publish(event(1))).expectComplete().verify(TIMEOUT);

        LoggedRequest upload = uploads().get(0);
        assertThat(upload.getHeader("Content-Encoding")).isEqualTo("gzip");
        assertThat(upload.getHeader("Content-Type")).isEqualTo("application/json");
        JsonNode body = body(upload);
        assertThat(body.get("api_key").stringValue()).isEqualTo("0123456789abcdef");
        assertThat(body.get("events").get(0).get("event_type").stringValue()).isEqualTo("Event 1");
        assertThat(body.get("events").get(0).get("insert_id").isString()).isTrue();
    }

    @Test
    void publishSendsPlainJsonWithoutCompression() {
        this.publisher.close();
        this.publisher = publisher((builder) -> builder.compression(false));
        answer(okJson(SUCCESS));

        StepVerifier.create(this.publisher.publish(event(1))).expectComplete().verify(TIMEOUT);

        assertThat(uploads().get(0).containsHeader("Content-Encoding")).isFalse();
        assertThat(body(uploads().get(0)).get("events")).hasSize(1);
    }

    @Test
    void publishPostsToBatchApiWhenConfigured() {
        this.publisher.close();
        this.publisher = publisher((builder) -> builder.batchApi(true));
        amplitude.stubFor(post("/batch").willReturn(okJson(SUCCESS)));

        StepVerifier.create(this.publisher.publish(event(1))).expectComplete().verify(TIMEOUT);

        amplitude.verify(1, postRequestedFor(urlEqualTo("/batch")));
    }

    @Test
    void eventsPublishedTogetherShareOneRequest() {
        answer(okJson(SUCCESS));

        StepVerifier.create(this.publisher.publish(events(10))).expectComplete().verify(TIMEOUT);

        assertThat(uploads()).hasSize(1);
        assertThat(body(uploads().get(0)).get("events")).hasSize(10);
    }

    @Test
    void batchesNeverExceedMaxBatchEvents() {
        answer(okJson(SUCCESS));

        StepVerifier.create(this.publisher.publish(events(25))).expectComplete().verify(TIMEOUT);

        assertThat(uploads()).extracting((upload) -> body(upload).get("events").size())
                .containsExactlyInAnyOrder(10, 10, 5);
    }

    @Test
    void eventsWithDifferentApiKeysGoInSeparateRequests() {
        answer(okJson(SUCCESS));
        Event other = Events.track("Other").apiKey("fedcba9876543210").userId("user-1").build();

        StepVerifier.create(this.publisher.publish(List.of(event(1), other))).expectComplete().verify(TIMEOUT);

        assertThat(uploads()).extracting((upload) -> body(upload).get("api_key").stringValue())
                .containsExactlyInAnyOrder("0123456789abcdef", "fedcba9876543210");
    }

    @Test
    void flushSendsBeforeBatchWaitEnds() {
        this.publisher.close();
        this.publisher = publisher((builder) -> builder.maxBatchWait(Duration.ofMinutes(5)));
        answer(okJson(SUCCESS));
        Mono<Void> published = this.publisher.publish(event(1));

        StepVerifier.create(this.publisher.flush()).expectComplete().verify(TIMEOUT);

        StepVerifier.create(published).expectComplete().verify(TIMEOUT);
    }

    @Test
    void serverErrorIsRetriedUntilAccepted() {
        answer(aResponse().withStatus(500), aResponse().withStatus(503), okJson(SUCCESS));

        StepVerifier.create(this.publisher.publish(event(1))).expectComplete().verify(TIMEOUT);

        assertThat(uploads()).hasSize(3);
        assertThat(body(uploads().get(0)).get("events").get(0).get("insert_id"))
                .isEqualTo(body(uploads().get(2)).get("events").get(0).get("insert_id"));
    }

    @Test
    void serverErrorOnEveryAttemptFailsAfterMaxAttempts() {
        answer(aResponse().withStatus(502));
        Logger logger = (Logger) LoggerFactory.getLogger(HttpTransport.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);

        try {
            StepVerifier.create(this.publisher.publish(event(1)))
                    .expectErrorSatisfies((error) -> assertThat(error).hasMessage("The endpoint "
                            + amplitude.baseUrl() + "/2/httpapi did not confirm the events after 3 attempts; "
                            + "the last failed with HTTP 502"))
                    .verify(TIMEOUT);
        }
        finally {
            logger.detachAppender(logs);
        }

        assertThat(uploads()).hasSize(3);
        assertThat(logs.list).filteredOn((log) -> log.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .singleElement(InstanceOfAssertFactories.STRING)
                .startsWith("Events failed after their last attempt: events=1 (since the last such warning) "
                        + "message=The endpoint ");
    }

    @Test
    void endpointWithApiPathIsRejected() {
        EventPublisher.Builder builder = EventPublisher.builder().apiKey("0123456789abcdef");

        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder.http(URI.create(amplitude.baseUrl() + "/2/httpapi")).build())
                .withMessageContaining("without /2/httpapi or /batch");
    }

    @Test
    void throttledEventsAreRetriedAfterPause() {
        answer(aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                        .withBody("{\"code\":429,\"error\":\"Too many requests for some devices and users\","
                                + "\"eps_threshold\":30,\"throttled_events\":[0]}"),
                okJson(SUCCESS));

        StepVerifier.create(this.publisher.publish(List.of(event(1), event(2)))).expectComplete().verify(TIMEOUT);

        assertThat(uploads()).hasSize(2);
        assertThat(body(uploads().get(1)).get("events")).hasSize(2);
    }

    @Test
    void dailyQuotaRejectsEventsOfThatUser() {
        answer(aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                .withBody("{\"code\":429,\"error\":\"Too many requests\",\"eps_threshold\":30,"
                        + "\"exceeded_daily_quota_users\":{\"user-1\":500200}}"));

        expectFailure(this.publisher.publish(event(1)), PublishException.Reason.REJECTED);
    }

    @Test
    void payloadTooLargeSplitsBatchInHalves() {
        amplitude.stubFor(post("/2/httpapi").atPriority(1)
                .withRequestBody(WireMock.matchingJsonPath("$.events.length()", equalTo("8")))
                .willReturn(aResponse().withStatus(413).withBody("{\"code\":413,\"error\":\"Payload too large\"}")));
        amplitude.stubFor(post("/2/httpapi").atPriority(2).willReturn(okJson(SUCCESS)));

        StepVerifier.create(this.publisher.publish(events(8))).expectComplete().verify(TIMEOUT);

        assertThat(uploads()).extracting((upload) -> body(upload).get("events").size())
                .containsExactlyInAnyOrder(8, 4, 4);
    }

    @Test
    void batchOverTheBodyLimitIsSplitBeforeSending() {
        answer(okJson(SUCCESS));
        String large = "x".repeat(400_000);
        List<Event> events = IntStream.range(0, 4)
                .mapToObj((i) -> this.publisher.track("Event " + i).userId("user-" + i)
                        .eventProperty("document", large).build())
                .toList();

        StepVerifier.create(this.publisher.publish(events)).expectComplete().verify(TIMEOUT);

        assertThat(uploads()).extracting((upload) -> body(upload).get("events").size())
                .containsExactlyInAnyOrder(2, 2);
    }

    @Test
    void payloadTooLargeForSingleEventRejectsIt() {
        answer(aResponse().withStatus(413).withBody("{\"code\":413,\"error\":\"Payload too large\"}"));

        expectFailure(this.publisher.publish(event(1)), PublishException.Reason.REJECTED);
    }

    @Test
    void connectionResetIsRetried() {
        answer(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), okJson(SUCCESS));

        StepVerifier.create(this.publisher.publish(event(1))).expectComplete().verify(TIMEOUT);

        assertThat(uploads()).hasSize(2);
    }

    @Test
    void timeoutIsRetried() {
        this.publisher.close();
        this.publisher = publisher((builder) -> builder.requestTimeout(Duration.ofSeconds(1)));
        answer(okJson(SUCCESS).withFixedDelay(2_500), okJson(SUCCESS));

        StepVerifier.create(this.publisher.publish(event(1))).expectComplete().verify(TIMEOUT);

        // A loaded machine may time out the quick second response too, so the test checks only a lower bound.
        assertThat(uploads()).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void invalidEventIsRejectedAndOthersAreResent() {
        answer(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"code\":400,\"error\":\"Invalid field values on some events\","
                                + "\"missing_field\":\"\",\"events_with_invalid_fields\":{\"time\":[1]}}"),
                okJson(SUCCESS));
        Mono<Void> valid = this.publisher.publish(event(1));
        Mono<Void> invalid = this.publisher.publish(event(2));

        expectFailure(invalid, PublishException.Reason.REJECTED);
        StepVerifier.create(valid).expectComplete().verify(TIMEOUT);

        assertThat(body(uploads().get(1)).get("events")).hasSize(1);
    }

    @Test
    void resendsAfterA400UseNoAttempts() {
        // Every request names its first event, so each request rejects one event and resends the rest.
        answer(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"code\":400,\"error\":\"Invalid field values on some events\","
                        + "\"missing_field\":\"\",\"events_with_invalid_fields\":{\"time\":[0]}}"));

        List<Mono<Void>> published = IntStream.rangeClosed(1, 5).mapToObj((i) -> this.publisher.publish(event(i)))
                .toList();

        published.forEach((each) -> expectFailure(each, PublishException.Reason.REJECTED));
        assertThat(uploads()).hasSize(5);
    }

    @Test
    void invalidApiKeyRejectsEvents() {
        answer(aResponse().withStatus(400)
                .withBody("{\"code\":400,\"error\":\"Invalid API key: 0123456789abcdef\",\"missing_field\":\"\"}"));

        expectFailure(this.publisher.publish(event(1)), PublishException.Reason.REJECTED);

        assertThat(uploads()).hasSize(1);
    }

    @Test
    void idempotencyKeyGivesSameInsertIdOnRepublish() {
        answer(okJson(SUCCESS));
        Event event = this.publisher.track("Order Placed").userId("user-1").build();

        this.publisher.publish(event, "order-17").block(TIMEOUT);
        this.publisher.publish(event, "order-17").block(TIMEOUT);

        assertThat(uploads()).extracting((upload) -> body(upload).get("events").get(0).get("insert_id").stringValue())
                .containsOnly(Events.insertId("order-17"));
    }

    @Test
    void closeFailsEventsStillRetrying() {
        this.publisher.close();
        this.publisher = publisher((builder) -> builder
                .maxAttempts(100)
                .initialBackoff(Duration.ofSeconds(30))
                .maxBackoff(Duration.ofSeconds(30))
                .closeTimeout(Duration.ZERO));
        answer(aResponse().withStatus(500));
        Mono<Void> published = this.publisher.publish(event(1));
        org.awaitility.Awaitility.await().atMost(TIMEOUT).until(() -> uploads().size() == 1);

        this.publisher.close();

        expectFailure(published, PublishException.Reason.CLOSED);
    }

    @Test
    void statsCountAcceptedAndFailedEvents() {
        answer(okJson(SUCCESS));

        this.publisher.publish(events(3)).block(TIMEOUT);

        assertThat(this.publisher.stats()).isEqualTo(new PublisherStats(3, 0, 0, 0));
    }

}
