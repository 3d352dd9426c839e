package io.eventrouter.sdk;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.sdk.internal.BufferedPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class InProcessPublisherTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final RecordingSource source = new RecordingSource();

    private EventPublisher publisher = EventPublisher.builder()
            .inProcess(this.source)
            .apiKey("0123456789abcdef")
            .bufferCapacity(3)
            .closeTimeout(Duration.ZERO)
            .build();

    @AfterEach
    void close() {
        this.source.release();
        this.publisher.close();
    }

    private Event event(String type) {
        return this.publisher.track(type).userId("user-1").build();
    }

    @Test
    void publishCompletesWhenSourceAccepts() {
        StepVerifier.create(this.publisher.publish(event("Signed Up"))).expectComplete().verify(TIMEOUT);

        assertThat(this.source.submitted).extracting(Event::eventType).containsExactly("Signed Up");
        assertThat(this.publisher.stats()).isEqualTo(new PublisherStats(1, 0, 0, 0));
    }

    @Test
    void publishListSubmitsEventsTogetherInOrder() {
        StepVerifier.create(this.publisher.publish(List.of(event("First"), event("Second"))))
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(this.source.submitted).extracting(Event::eventType).containsExactly("First", "Second");
    }

    @Test
    void publishQueuesEventWithoutSubscriber() {
        this.publisher.publish(event("Signed Up"));

        assertThat(this.source.submitted).hasSize(1);
    }

    @Test
    void publishAddsInsertIdToEventWithoutOne() {
        Event bare = Event.builder("Signed Up").apiKey("0123456789abcdef").userId("user-1").build();

        this.publisher.publish(bare).block(TIMEOUT);

        assertThat(this.source.submitted.get(0).insertId()).isPresent();
    }

    @Test
    void publishWithIdempotencyKeySetsDerivedInsertId() {
        this.publisher.publish(event("Order Placed"), "order-17").block(TIMEOUT);

        assertThat(this.source.submitted.get(0).insertId()).hasValue(Events.insertId("order-17"));
    }

    @Test
    void publishWithIdAmplitudeRefusesIsRejected() {
        Event shortId = this.publisher.track("Signed Up").userId("ab").build();

        StepVerifier.create(this.publisher.publish(shortId))
                .expectErrorSatisfies((error) -> {
                    assertThat(((PublishException) error).reason()).isEqualTo(PublishException.Reason.REJECTED);
                    assertThat(error).hasMessage("Invalid user_id \"ab\": shorter than 5 characters "
                            + "(options.min_id_length sets the length)");
                })
                .verify(TIMEOUT);
        assertThat(this.source.submitted).isEmpty();
    }

    @Test
    void publishWithPlaceholderIdIsRejected() {
        Event placeholder = this.publisher.track("Signed Up").userId("anonymous").build();

        StepVerifier.create(this.publisher.publish(placeholder))
                .expectErrorSatisfies((error) -> assertThat(error)
                        .hasMessage("Invalid user_id \"anonymous\": a placeholder Amplitude refuses"))
                .verify(TIMEOUT);
    }

    @Test
    void publishAsyncCompletesWhenSourceAccepts() {
        CompletableFuture<Void> single = this.publisher.publishAsync(event("Signed Up"));
        CompletableFuture<Void> list = this.publisher.publishAsync(List.of(event("First"), event("Second")));

        assertThat(single).succeedsWithin(TIMEOUT);
        assertThat(list).succeedsWithin(TIMEOUT);
    }

    @Test
    void cancellingFutureKeepsEventPublished() {
        this.source.mode(RecordingSource.Mode.HOLD);
        CompletableFuture<Void> future = this.publisher.publishAsync(event("Signed Up"));

        future.cancel(true);
        this.source.release();

        StepVerifier.create(this.publisher.flush()).expectComplete().verify(TIMEOUT);
        assertThat(this.publisher.stats().accepted()).isEqualTo(1);
    }

    @Test
    void publishOffersEventsAgainWhileSourceQueueIsFull() {
        this.source.mode(RecordingSource.Mode.REFUSE_TWICE);

        StepVerifier.create(this.publisher.publish(event("Signed Up"))).expectComplete().verify(TIMEOUT);

        assertThat(this.source.submitted).hasSize(3);
        assertThat(this.publisher.stats()).isEqualTo(new PublisherStats(1, 0, 0, 0));
    }

    @Test
    void publishesWaitingBehindARefusedOneKeepTheirOrder() {
        this.publisher.close();
        this.publisher = EventPublisher.builder().inProcess(this.source).apiKey("0123456789abcdef").build();
        this.source.mode(RecordingSource.Mode.REFUSE_FIRST);
        List<Event> events = List.of(event("First"), event("Second"), event("Third"), event("Fourth"));

        events.forEach(this.publisher::publish);
        this.publisher.flush().block(TIMEOUT);

        assertThat(this.source.accepted).containsExactlyElementsOf(events);
    }

    @Test
    void closeStopsOfferingRefusedEvents() throws InterruptedException {
        this.source.mode(RecordingSource.Mode.REFUSE);
        Mono<Void> published = this.publisher.publish(event("Signed Up"));

        this.publisher.close();
        int offers = this.source.submitted.size();
        Thread.sleep(100);

        StepVerifier.create(published)
                .expectErrorSatisfies((error) -> assertThat(((PublishException) error).reason())
                        .isEqualTo(PublishException.Reason.CLOSED))
                .verify(TIMEOUT);
        assertThat(this.source.submitted).hasSize(offers);
    }

    @Test
    void publishFailsAsUnavailableWhenSourceIsStopped() {
        this.source.mode(RecordingSource.Mode.STOPPED);

        StepVerifier.create(this.publisher.publish(event("Signed Up")))
                .expectErrorSatisfies((error) -> {
                    assertThat(error).isInstanceOf(PublishException.class);
                    assertThat(((PublishException) error).reason()).isEqualTo(PublishException.Reason.UNAVAILABLE);
                    assertThat(((PublishException) error).retryAfter()).isEqualTo(Duration.ofSeconds(1));
                })
                .verify(TIMEOUT);
        assertThat(this.publisher.stats().failed()).isEqualTo(1);
    }

    @Test
    void publishBeyondCapacityIsRejected() {
        this.source.mode(RecordingSource.Mode.HOLD);
        this.publisher.publish(List.of(event("First"), event("Second"), event("Third")));

        StepVerifier.create(this.publisher.publish(event("Fourth")))
                .expectErrorSatisfies((error) -> assertThat(((PublishException) error).reason())
                        .isEqualTo(PublishException.Reason.BUFFER_FULL))
                .verify(TIMEOUT);
        assertThat(this.publisher.stats().pending()).isEqualTo(3);
    }

    @Test
    void publishBeyondCapacityIsDroppedAndCountedUnderDropPolicy() {
        this.publisher.close();
        this.publisher = EventPublisher.builder()
                .inProcess(this.source.mode(RecordingSource.Mode.HOLD))
                .apiKey("0123456789abcdef")
                .bufferCapacity(1)
                .overflowPolicy(OverflowPolicy.DROP)
                .closeTimeout(Duration.ZERO)
                .build();
        Logger logger = (Logger) LoggerFactory.getLogger(BufferedPublisher.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        this.publisher.publish(event("First"));

        try {
            StepVerifier.create(this.publisher.publish(event("Second"))).expectComplete().verify(TIMEOUT);
            StepVerifier.create(this.publisher.publish(event("Third"))).expectComplete().verify(TIMEOUT);
        }
        finally {
            logger.detachAppender(logs);
        }

        assertThat(this.publisher.stats().dropped()).isEqualTo(2);
        assertThat(this.source.submitted).extracting(Event::eventType).containsExactly("First");
        // One WARN a minute at most, so the second drop logs none.
        assertThat(logs.list).filteredOn((log) -> log.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("The publisher's buffer is full, so published events are dropped "
                        + "(OverflowPolicy.DROP): capacity=1 dropped_now=1 dropped_total=1");
    }

    @Test
    void capacityIsReleasedWhenEventsAreAccepted() {
        this.source.mode(RecordingSource.Mode.HOLD);
        this.publisher.publish(List.of(event("First"), event("Second"), event("Third")));

        this.source.release();

        StepVerifier.create(this.publisher.flush()).expectComplete().verify(TIMEOUT);
        StepVerifier.create(this.publisher.publish(event("Fourth"))).expectComplete().verify(TIMEOUT);
    }

    @Test
    void flushWaitsForOutstandingEvents() {
        this.source.mode(RecordingSource.Mode.HOLD);
        Mono<Void> published = this.publisher.publish(event("Signed Up"));

        Mono<Void> flushed = this.publisher.flush();

        StepVerifier.create(flushed).expectSubscription().expectNoEvent(Duration.ofMillis(50)).thenCancel().verify();
        this.source.release();
        StepVerifier.create(this.publisher.flush()).expectComplete().verify(TIMEOUT);
        StepVerifier.create(published).expectComplete().verify(TIMEOUT);
    }

    @Test
    void closeFailsEventsStillOutstanding() {
        this.source.mode(RecordingSource.Mode.HOLD);
        Mono<Void> published = this.publisher.publish(event("Signed Up"));

        this.publisher.close();

        StepVerifier.create(published)
                .expectErrorSatisfies((error) -> assertThat(((PublishException) error).reason())
                        .isEqualTo(PublishException.Reason.CLOSED))
                .verify(TIMEOUT);
    }

    @Test
    void publishAfterCloseFails() {
        this.publisher.close();

        StepVerifier.create(this.publisher.publish(event("Signed Up")))
                .expectErrorSatisfies((error) -> assertThat(((PublishException) error).reason())
                        .isEqualTo(PublishException.Reason.CLOSED))
                .verify(TIMEOUT);
    }

    @Test
    void publishEmptyListIsInvalid() {
        assertThatIllegalArgumentException().isThrownBy(() -> this.publisher.publish(List.of()));
    }

    @Test
    void inProcessFactoryBuildsPublisherWithoutDefaultApiKey() {
        try (EventPublisher plain = EventPublisher.inProcess(this.source)) {
            Event event = Events.track("Signed Up").apiKey("0123456789abcdef").userId("user-1").build();

            plain.publish(event).block(TIMEOUT);

            assertThat(plain.defaultApiKey()).isEmpty();
            assertThat(this.source.submitted.get(0).context()).isEqualTo(RequestContext.of("0123456789abcdef"));
        }
    }

    @Test
    void builderWithoutTransportFails() {
        assertThatIllegalStateException().isThrownBy(() -> EventPublisher.builder().build())
                .withMessageContaining("transport");
    }

    @Test
    void builderRejectsNonHttpEndpoint() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> EventPublisher.builder().http(URI.create("ftp://127.0.0.1")))
                .withMessageContaining("ftp://127.0.0.1");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> EventPublisher.builder().http(URI.create("http:///nohost")))
                .withMessageContaining("with a host");
        EventPublisher.builder().http(URI.create("HTTP://127.0.0.1:8080"));
    }

    @Test
    void builderRejectsEndpointWithQueryOrFragment() {
        for (String url : List.of("http://127.0.0.1:8080?x=1", "http://127.0.0.1:8080#frag")) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> EventPublisher.builder().http(URI.create(url)))
                    .withMessageContaining("without a query or fragment");
        }
    }

    @Test
    void builderRejectsSettingsOutOfRange() {
        EventPublisher.Builder builder = EventPublisher.builder();

        assertThatIllegalArgumentException().isThrownBy(() -> builder.bufferCapacity(0));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.maxBatchEvents(2001));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.maxRequestsInFlight(0));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.requestTimeout(Duration.ZERO));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.maxAttempts(0));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.closeTimeout(Duration.ofSeconds(-1)));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.apiKey(" "));
    }

    @Test
    void builderRejectsMaxBackoffBelowInitialBackoff() {
        EventPublisher.Builder builder = EventPublisher.builder()
                .http(URI.create("http://127.0.0.1:1"))
                .initialBackoff(Duration.ofSeconds(10))
                .maxBackoff(Duration.ofSeconds(1));

        assertThatIllegalStateException().isThrownBy(builder::build).withMessageContaining("maxBackoff");
    }

}
