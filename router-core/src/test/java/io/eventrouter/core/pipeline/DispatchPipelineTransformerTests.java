package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.MemorySpool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

class DispatchPipelineTransformerTests {

    private static final SourceId SOURCE = new SourceId("bridge");

    private static final DestinationId DESTINATION = new DestinationId("recorder");

    private final Queue<Event> delivered = new ConcurrentLinkedQueue<>();

    private final MemorySpool spool = new MemorySpool(100, List.of(DESTINATION));

    private DispatchPipeline pipeline;

    @AfterEach
    void stop() {
        this.pipeline.close();
        this.spool.close();
    }

    @Test
    void deliversEventsAsTheTransformersLeftThemInOrder() {
        this.pipeline = pipeline(
                (source, events) -> Mono.just(events.stream().map((event) -> event.with(
                        EventField.USER_ID, "first")).toList()),
                (source, events) -> Mono.just(events.stream().map((event) -> event.with(
                        EventField.DEVICE_ID, event.userId().orElseThrow() + "-device"))
                        .toList()));

        Acceptance acceptance = submit(event("click"));

        assertThat(acceptance.eventCount()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !this.delivered.isEmpty());
        assertThat(this.delivered.peek().deviceId()).hasValue("first-device");
    }

    @Test
    void failsTheSubmissionWhenATransformerFails() {
        this.pipeline = pipeline((source, events) -> Mono.error(new IllegalStateException("broken stage")));

        assertThatIllegalStateException().isThrownBy(() -> submit(event("click")))
                .withMessage("broken stage");
        assertThat(this.spool.backlog(DESTINATION)).isZero();
    }

    private DispatchPipeline pipeline(EventTransformer... transformers) {
        DispatchPipeline.Builder builder = DispatchPipeline.builder()
                .spool(this.spool)
                .source(SOURCE)
                .destination(new RecordingDestination(), new BatchPolicy(1, Duration.ofMillis(10)));
        for (EventTransformer transformer : transformers) {
            builder.transformer(transformer);
        }
        DispatchPipeline built = builder.build();
        built.start();
        return built;
    }

    private Acceptance submit(Event event) {
        return this.pipeline.source(SOURCE).submit(List.of(event)).block(Duration.ofSeconds(5));
    }

    private static Event event(String eventType) {
        return Event.builder(eventType).apiKey("test-api-key").build();
    }

    private final class RecordingDestination implements Destination {

        @Override
        public DestinationId id() {
            return DESTINATION;
        }

        @Override
        public Mono<DeliveryResult> deliver(Delivery delivery) {
            DispatchPipelineTransformerTests.this.delivered.addAll(delivery.events());
            return Mono.just(DeliveryResult.delivered(delivery.size()));
        }

    }

}
