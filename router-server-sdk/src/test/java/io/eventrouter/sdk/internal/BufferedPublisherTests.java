package io.eventrouter.sdk.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.sdk.OverflowPolicy;
import io.eventrouter.sdk.PublishException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class BufferedPublisherTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final HoldingTransport transport = new HoldingTransport();

    private final BufferedPublisher publisher = new BufferedPublisher(this.transport, null, 100,
            OverflowPolicy.REJECT, Duration.ofMillis(100));

    @AfterEach
    void close() {
        this.publisher.close();
    }

    private static Event event(String eventType) {
        return Event.builder(eventType).apiKey("0123456789abcdef").userId("user-1").build();
    }

    @Test
    void flushIgnoresEventsPublishedAfterIt() {
        this.publisher.publish(event("Before"));
        CompletableFuture<Void> flushed = this.publisher.flush().toFuture();
        this.publisher.publish(event("After"));

        this.transport.submissions.get(0).accepted(1);

        assertThat(flushed).succeedsWithin(TIMEOUT);
        assertThat(this.transport.submissions.get(1).isSettled()).isFalse();
    }

    @Test
    void flushWaitsForEventsOfEarlierFlushes() {
        this.publisher.publish(event("First"));
        CompletableFuture<Void> firstFlush = this.publisher.flush().toFuture();
        this.publisher.publish(event("Second"));
        CompletableFuture<Void> secondFlush = this.publisher.flush().toFuture();

        this.transport.submissions.get(1).accepted(1);

        assertThat(secondFlush).isNotDone();
        this.transport.submissions.get(0).accepted(1);
        assertThat(firstFlush).succeedsWithin(TIMEOUT);
        assertThat(secondFlush).succeedsWithin(TIMEOUT);
    }

    @Test
    void flushWithNothingPublishedCompletesAtOnce() {
        StepVerifier.create(this.publisher.flush()).expectComplete().verify(TIMEOUT);
    }

    @Test
    void monoSubscribedAfterAcceptanceCompletes() {
        Mono<Void> published = this.publisher.publish(event("Signed Up"));

        this.transport.submissions.get(0).accepted(1);

        StepVerifier.create(published).expectComplete().verify(TIMEOUT);
    }

    @Test
    void statsCountEventsBeforeTheirFutureCompletes() {
        CompletableFuture<Void> published = this.publisher.publishAsync(event("Signed Up"));
        CompletableFuture<Long> acceptedWhenCompleted = published.thenApply((done) -> this.publisher.stats().accepted());

        this.transport.submissions.get(0).accepted(1);

        assertThat(acceptedWhenCompleted).succeedsWithin(TIMEOUT).isEqualTo(1L);
        assertThat(this.publisher.stats().pending()).isZero();
    }

    @Test
    void closeFailsEventsTheTransportStillHolds() {
        Mono<Void> published = this.publisher.publish(event("Signed Up"));

        this.publisher.close();

        StepVerifier.create(published)
                .expectErrorSatisfies((error) -> assertThat(((PublishException) error).reason())
                        .isEqualTo(PublishException.Reason.CLOSED))
                .verify(TIMEOUT);
    }

    @Test
    void publishKeepsAnImmutableListAsItIs() {
        List<Event> events = List.of(Event.builder("Signed Up").apiKey("0123456789abcdef").userId("user-1")
                .insertId("insert-1").build());

        this.publisher.publish(events);

        assertThat(this.transport.submissions.get(0).events()).isSameAs(events);
    }

    @Test
    void publishCopiesAMutableList() {
        List<Event> events = new CopyOnWriteArrayList<>(List.of(event("Signed Up")));

        this.publisher.publish(events);
        events.clear();

        assertThat(this.transport.submissions.get(0).events()).hasSize(1);
    }

    /** Keeps every submission until the test settles it; fails those left when closed. */
    private static final class HoldingTransport implements Transport {

        final List<Submission> submissions = new CopyOnWriteArrayList<>();

        @Override
        public void send(Submission submission) {
            this.submissions.add(submission);
        }

        @Override
        public void flushNow() {
        }

        @Override
        public void close() {
            PublishException closed = new PublishException(PublishException.Reason.CLOSED, "closed");
            this.submissions.forEach((submission) -> submission.failed(closed));
        }

    }

}
