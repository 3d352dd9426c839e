package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.MemorySpool;
import io.eventrouter.core.spool.Spool;
import io.eventrouter.core.spool.SpooledEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several deliveries in flight to one destination: each device's events keep their order, a
 * device is in at most one delivery at a time, and a slow delivery holds back only its devices.
 */
class ConcurrentDeliveryTests {

    private static final SourceId BRIDGE = SourceId.of("bridge");

    private static final DestinationId DESTINATION = DestinationId.of("first");

    private static final RetryPolicy FAST_RETRIES = new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(5));

    private final MemorySpool spool = new MemorySpool(10_000, List.of(DESTINATION));

    private DispatchPipeline pipeline;

    @AfterEach
    void close() {
        if (this.pipeline != null) {
            this.pipeline.close();
        }
    }

    @Test
    void keepsDeviceOrderWithDeliveriesInFlight() {
        DeviceTracker tracker = new DeviceTracker();
        AtomicInteger calls = new AtomicInteger();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> tracker.enter(delivery)
                .delayElement(Duration.ofMillis(5L * (calls.getAndIncrement() % 4)))
                .doOnNext((result) -> tracker.leave(delivery)));
        this.pipeline = start(destination, 8, 5_000);

        for (int round = 0; round < 10; round++) {
            int r = round;
            submit(IntStream.range(0, 20).mapToObj((device) -> event("device-" + device, "d" + device + "-" + r))
                    .toList());
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> this.spool.backlog(DESTINATION) == 0);
        for (int device = 0; device < 20; device++) {
            String prefix = "d" + device + "-";
            assertThat(destination.deliveredEventTypes().stream().filter((type) -> type.startsWith(prefix)))
                    .containsExactly(IntStream.range(0, 10).mapToObj((r) -> prefix + r).toArray(String[]::new));
        }
        assertThat(tracker.overlaps).isEmpty();
        assertThat(tracker.mostInFlight).hasValueGreaterThan(1);
    }

    @Test
    void slowDeliveryHoldsBackOnlyItsDevice() {
        Sinks.One<DeliveryResult> slowAnswer = Sinks.one();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> types(delivery)
                .contains("slow-0") ? slowAnswer.asMono() : Mono.just(DeliveryResult.delivered(delivery.size())));
        this.pipeline = start(destination, 8, 5_000);
        submit(List.of(event("device-slow", "slow-0")));
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == 1);

        submit(List.of(event("device-slow", "slow-1"), event("device-a", "a-0")));
        submit(List.of(event("device-b", "b-0"), event("device-slow", "slow-2")));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> destination.deliveredEventTypes().containsAll(List.of("a-0", "b-0")));
        assertThat(destination.deliveredEventTypes()).doesNotContain("slow-1", "slow-2");

        slowAnswer.tryEmitValue(DeliveryResult.delivered(1));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.spool.backlog(DESTINATION) == 0);
        assertThat(destination.deliveredEventTypes().stream().filter((type) -> type.startsWith("slow-")))
                .containsExactly("slow-0", "slow-1", "slow-2");
    }

    @Test
    void acknowledgesOutOfOrderSettlements() {
        List<Sinks.One<DeliveryResult>> answers = new CopyOnWriteArrayList<>();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            Sinks.One<DeliveryResult> answer = Sinks.one();
            answers.add(answer);
            return answer.asMono();
        });
        this.pipeline = start(destination, 8, 5_000);

        submit(devices("x", 10));
        submit(devices("y", 10));
        submit(devices("z", 10));
        await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() == 3);
        for (int i = 2; i >= 0; i--) {
            answers.get(i).tryEmitValue(DeliveryResult.delivered(10));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> this.spool.backlog(DESTINATION) == 0);
        assertThat(destination.deliveredEventTypes()).hasSize(30).doesNotHaveDuplicates();
    }

    @Test
    void keepsOrderWhenWaitingEventsFillHeap() {
        Sinks.One<DeliveryResult> slowAnswer = Sinks.one();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> types(delivery)
                .contains("slow-0") ? slowAnswer.asMono() : Mono.just(DeliveryResult.delivered(delivery.size())));
        this.pipeline = start(destination, 8, 6);
        submit(List.of(event("device-slow", "slow-0")));
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == 1);

        // More waiting events than the heap holds, then other devices behind them in the spool.
        submit(IntStream.range(1, 11).mapToObj((i) -> event("device-slow", "slow-" + i)).toList());
        submit(devices("other", 10));
        slowAnswer.tryEmitValue(DeliveryResult.delivered(1));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.spool.backlog(DESTINATION) == 0);
        assertThat(destination.deliveredEventTypes().stream().filter((type) -> type.startsWith("slow-")))
                .containsExactly(IntStream.range(0, 11).mapToObj((i) -> "slow-" + i).toArray(String[]::new));
        assertThat(destination.deliveredEventTypes().stream().filter((type) -> type.startsWith("other")))
                .hasSize(10);
    }

    @Test
    void sendsWaitingDevicesPastByteLimit() {
        Sinks.One<DeliveryResult> slowAnswer = Sinks.one();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> types(delivery)
                .contains("a-0") ? slowAnswer.asMono() : Mono.just(DeliveryResult.delivered(delivery.size())));
        // Two of these events, about 115 bytes each with their insert id and time, fit in 260 bytes.
        this.pipeline = start(destination, 8, 5_000, new BatchPolicy(10, 260, Duration.ofMillis(20)));
        submit(List.of(event("device-a", "a-0"), event("device-b", "b-0")));
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveredEventTypes().contains("a-0"));

        submit(List.of(event("device-a", "a-1"), event("device-b", "b-1"), event("device-a", "a-2"),
                event("device-b", "b-2"), event("device-a", "a-3"), event("device-b", "b-3")));
        slowAnswer.tryEmitValue(DeliveryResult.delivered(2));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.spool.backlog(DESTINATION) == 0);
        assertThat(destination.deliveredEventTypes().stream().filter((type) -> type.startsWith("a-")))
                .containsExactly("a-0", "a-1", "a-2", "a-3");
        assertThat(destination.deliveredEventTypes().stream().filter((type) -> type.startsWith("b-")))
                .containsExactly("b-0", "b-1", "b-2", "b-3");
    }

    @Test
    void stopsReadingAtByteLimit() {
        AtomicInteger read = new AtomicInteger();
        Spool counting = new Spool() {

            @Override
            public Mono<Void> append(SourceId source, List<Event> events) {
                return ConcurrentDeliveryTests.this.spool.append(source, events);
            }

            @Override
            public Flux<SpooledEvent> read(DestinationId destination) {
                return ConcurrentDeliveryTests.this.spool.read(destination).doOnNext((spooled) -> read.incrementAndGet());
            }

            @Override
            public void acknowledge(DestinationId destination, long offset) {
                ConcurrentDeliveryTests.this.spool.acknowledge(destination, offset);
            }

            @Override
            public long backlog(DestinationId destination) {
                return ConcurrentDeliveryTests.this.spool.backlog(destination);
            }

            @Override
            public void close() {
                ConcurrentDeliveryTests.this.spool.close();
            }

        };
        RecordingDestination hanging = new RecordingDestination("first", (delivery) -> Mono.never());
        this.pipeline = DispatchPipeline.builder()
                .spool(counting)
                .source(BRIDGE)
                .maxHeldEvents(5_000)
                .maxHeldBytes(1_000)
                .shutdownGracePeriod(Duration.ofMillis(100))
                .destination(hanging, new BatchPolicy(10, Duration.ofMillis(20)))
                .build();
        this.pipeline.start();

        submit(devices("d", 1_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> !hanging.deliveries().isEmpty());

        // About nine events of 115 bytes fill 1,000 bytes, so reading stops there. The event limit
        // alone would read all 1,000.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> read.get() <= 10);
        assertThat(this.spool.backlog(DESTINATION)).isEqualTo(1_000);
    }

    private DispatchPipeline start(RecordingDestination destination, int maxInFlight, int maxHeldEvents) {
        return start(destination, maxInFlight, maxHeldEvents, new BatchPolicy(10, Duration.ofMillis(20)));
    }

    private DispatchPipeline start(RecordingDestination destination, int maxInFlight, int maxHeldEvents,
            BatchPolicy batchPolicy) {
        DispatchPipeline pipeline = DispatchPipeline.builder()
                .spool(this.spool)
                .source(BRIDGE)
                .retryPolicy(FAST_RETRIES)
                .maxDeliveriesInFlight(maxInFlight)
                .maxHeldEvents(maxHeldEvents)
                .destination(destination, batchPolicy)
                .build();
        pipeline.start();
        return pipeline;
    }

    private void submit(List<Event> events) {
        Acceptance acceptance = this.pipeline.source(BRIDGE).submit(events).block(Duration.ofSeconds(5));
        assertThat(acceptance).isEqualTo(new Acceptance(events.size()));
    }

    private static Event event(String deviceId, String type) {
        return Event.builder(type).context(RequestContext.of("key-a")).deviceId(deviceId).build();
    }

    /** One event each of {@code count} devices named after {@code prefix}. */
    private static List<Event> devices(String prefix, int count) {
        return IntStream.range(0, count).mapToObj((i) -> event("device-" + prefix + i, prefix + i)).toList();
    }

    private static List<String> types(Delivery delivery) {
        return delivery.events().stream().map(Event::eventType).toList();
    }

    /** Records the devices of the deliveries in flight, and every device found in two of them at once. */
    private static final class DeviceTracker {

        final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();

        final Set<String> overlaps = ConcurrentHashMap.newKeySet();

        final AtomicInteger deliveries = new AtomicInteger();

        final AtomicInteger mostInFlight = new AtomicInteger();

        Mono<DeliveryResult> enter(Delivery delivery) {
            this.mostInFlight.accumulateAndGet(this.deliveries.incrementAndGet(), Math::max);
            for (String device : devicesOf(delivery)) {
                if (this.inFlight.putIfAbsent(device, Boolean.TRUE) != null) {
                    this.overlaps.add(device);
                }
            }
            return Mono.just(DeliveryResult.delivered(delivery.size()));
        }

        void leave(Delivery delivery) {
            devicesOf(delivery).forEach(this.inFlight::remove);
            this.deliveries.decrementAndGet();
        }

        private static List<String> devicesOf(Delivery delivery) {
            return delivery.events().stream().map((event) -> event.deviceId().orElseThrow()).distinct().toList();
        }

    }

}
