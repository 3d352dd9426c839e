package io.eventrouter.core.identity;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.pipeline.BatchPolicy;
import io.eventrouter.core.pipeline.DispatchPipeline;
import io.eventrouter.core.pipeline.RetryPolicy;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.MemorySpool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Identity stitching as the pipeline's acceptance stage runs it. */
class StitchingPipelineTests {

    private static final SourceId BRIDGE = new SourceId("bridge");

    private static final SourceId SERVER = new SourceId("server");

    private static final DestinationId DESTINATION = new DestinationId("recorder");

    private static final String API_KEY = "pipeline-api-key";

    private static final long SESSION = System.currentTimeMillis() - 60_000;

    private final Queue<Event> delivered = new ConcurrentLinkedQueue<>();

    /** While set, the destination requests that every delivery of {@code order_paid} to be retried. */
    private final AtomicBoolean holdOrderPaid = new AtomicBoolean();

    private final AtomicInteger heldAttempts = new AtomicInteger();

    private final EmbeddedIdentityStore store = EmbeddedIdentityStore.inMemory(1_000);

    private final IdentityStitcher stitcher = IdentityStitcher.builder(this.store).build();

    private final MemorySpool spool = new MemorySpool(100, List.of(DESTINATION));

    private final DispatchPipeline pipeline = DispatchPipeline.builder()
            .spool(this.spool)
            .source(BRIDGE)
            .source(SERVER)
            .destination(new RecordingDestination(), new BatchPolicy(1, Duration.ofMillis(5)))
            .retryPolicy(new RetryPolicy(10_000, Duration.ofMillis(10), Duration.ofMillis(20)))
            .transformer((source, events) -> this.stitcher.stitch(events))
            .build();

    @AfterEach
    void stop() {
        this.pipeline.close();
        this.spool.close();
        this.store.close();
    }

    @Test
    void deliversServerEventWithTheDeviceAndSessionOfTheBrowserLogin() {
        this.pipeline.start();
        submit(BRIDGE, Event.builder("login").apiKey(API_KEY).deviceId("browser-d1").userId("alice")
                .sessionId(SESSION).build());

        submit(SERVER, Event.builder("order_paid").apiKey(API_KEY).userId("alice").build());

        Event serverEvent = awaitDelivered("order_paid");
        assertThat(serverEvent.deviceId()).hasValue("browser-d1");
        assertThat(serverEvent.sessionId()).hasValue(SESSION);
        assertThat(StitchedFields.of(serverEvent)).containsExactly("device_id", "session_id");
    }

    @Test
    void redeliversTheEventAsFirstStitchedAfterTheLinksChanged() {
        this.pipeline.start();
        submit(BRIDGE, Event.builder("login").apiKey(API_KEY).deviceId("browser-d1").userId("alice")
                .sessionId(SESSION).build());
        this.holdOrderPaid.set(true);
        submit(SERVER, Event.builder("order_paid").apiKey(API_KEY).userId("alice").build());
        await().atMost(Duration.ofSeconds(5)).until(() -> this.heldAttempts.get() > 0);

        submit(BRIDGE, Event.builder("login").apiKey(API_KEY).deviceId("phone-d2").userId("alice")
                .sessionId(SESSION + 5).build());
        this.holdOrderPaid.set(false);

        Event redelivered = awaitDelivered("order_paid");
        assertThat(redelivered.deviceId()).hasValue("browser-d1");
        assertThat(redelivered.sessionId()).hasValue(SESSION);
    }

    private void submit(SourceId source, Event event) {
        this.pipeline.source(source).submit(List.of(event)).block(Duration.ofSeconds(5));
    }

    private Event awaitDelivered(String eventType) {
        return await().atMost(Duration.ofSeconds(5)).until(() -> this.delivered.stream()
                .filter((event) -> event.eventType().equals(eventType))
                .findFirst()
                .orElse(null), (event) -> event != null);
    }

    /**
     * Records delivered events and, on request, returns {@code order_paid} for a retry, as a flaky
     * destination would.
     */
    private final class RecordingDestination implements Destination {

        @Override
        public DestinationId id() {
            return DESTINATION;
        }

        @Override
        public Mono<DeliveryResult> deliver(Delivery delivery) {
            if (StitchingPipelineTests.this.holdOrderPaid.get()
                    && delivery.events().stream().anyMatch((event) -> event.eventType().equals("order_paid"))) {
                StitchingPipelineTests.this.heldAttempts.incrementAndGet();
                return Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), delivery.size()));
            }
            StitchingPipelineTests.this.delivered.addAll(delivery.events());
            return Mono.just(DeliveryResult.delivered(delivery.size()));
        }

    }

}
