package io.eventrouter.core.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventrouter.core.deadletter.DeadLetter;
import io.eventrouter.core.deadletter.StoredDeadLetter;
import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.destination.RejectionReason;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.MVStoreSpool;
import io.eventrouter.core.spool.MemorySpool;
import io.eventrouter.core.spool.Spool;
import io.eventrouter.core.spool.SpooledEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class DispatchPipelineTests {

    private static final SourceId BRIDGE = SourceId.of("bridge");

    private static final SourceId SDK = SourceId.of("sdk");

    private static final BatchPolicy FAST_BATCHES = new BatchPolicy(10, Duration.ofMillis(20));

    private static final RetryPolicy FAST_RETRIES = new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(5));

    private final Logger dispatcherLogger = (Logger) LoggerFactory.getLogger(DestinationDispatcher.class);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    private DispatchPipeline pipeline;

    @BeforeEach
    void captureLogs() {
        this.logs.start();
        this.dispatcherLogger.addAppender(this.logs);
    }

    @AfterEach
    void close() {
        this.dispatcherLogger.detachAppender(this.logs);
        if (this.pipeline != null) {
            this.pipeline.close();
        }
    }

    @Test
    void mergesSourcesIntoEveryDestination() {
        RecordingDestination first = RecordingDestination.accepting("first");
        RecordingDestination second = RecordingDestination.accepting("second");
        this.pipeline = start(builder(first, second));

        submit(BRIDGE, events("key-a", 3));
        submit(SDK, events("key-a", 2));

        await().atMost(Duration.ofSeconds(10)).until(() -> first.deliveredEventTypes().size() == 5
                && second.deliveredEventTypes().size() == 5);
        assertThat(first.deliveredEventTypes()).containsExactlyInAnyOrderElementsOf(second.deliveredEventTypes());
    }

    @Test
    void countsEventsAnEntryPointRejected() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        this.pipeline = start(builder(RecordingDestination.accepting("first")).meterRegistry(meters));

        this.pipeline.source(BRIDGE).rejected("invalid-event", 2);
        this.pipeline.source(BRIDGE).rejected("invalid-event", 3);
        this.pipeline.source(SDK).rejected("throttled", 0);

        assertThat(meters.get("router.events.rejected").tags("source", "bridge", "reason", "invalid-event").counter()
                .count()).isEqualTo(5);
        assertThat(meters.get("router.events.received").tags("source", "bridge").counter().count()).isEqualTo(5);
        assertThat(meters.find("router.events.rejected").tags("source", "sdk").counter()).isNull();
        assertThat(meters.get("router.events.received").tags("source", "sdk").counter().count()).isZero();
        assertThat(meters.get("router.events.accepted").tags("source", "sdk").counter().getId().getDescription())
                .isEqualTo("Events appended to the spool");
    }

    @Test
    void batchNeverMixesApiKeys() {
        RecordingDestination destination = RecordingDestination.accepting("first");
        this.pipeline = start(builder(destination));

        submit(BRIDGE, events("key-a", 2));
        submit(BRIDGE, events("key-b", 2));
        submit(BRIDGE, events("key-a", 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveredEventTypes().size() == 5);
        assertThat(destination.deliveries()).allSatisfy((delivery) -> assertThat(delivery.events())
                .allMatch((event) -> event.context().equals(delivery.context())));
    }

    @Test
    void batchesByCount() {
        RecordingDestination destination = RecordingDestination.accepting("first");
        this.pipeline = start(builder(destination));

        submit(BRIDGE, events("key-a", 25));

        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveredEventTypes().size() == 25);
        assertThat(destination.deliveries()).allSatisfy((delivery) -> assertThat(delivery.size()).isLessThanOrEqualTo(10));
    }

    @Test
    void retriesOnlyEventsThatFailedTransiently() {
        AtomicInteger calls = new AtomicInteger();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            if (calls.getAndIncrement() == 0) {
                return Mono.just(new DeliveryResult(List.of(EventOutcome.delivered(),
                        EventOutcome.retryLater(Duration.ZERO), EventOutcome.rejected("bad"))));
            }
            return Mono.just(DeliveryResult.delivered(delivery.size()));
        });
        this.pipeline = start(builder(destination));

        submit(BRIDGE, events("key-a", 3));

        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == 2);
        assertThat(destination.deliveries().get(1).events()).extracting(Event::eventType).containsExactly("event-1");
        assertThat(destination.deliveries().get(1).attempt()).isEqualTo(2);
    }

    @Test
    void resendsValidRestAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            if (calls.getAndIncrement() == 0) {
                return Mono.just(new DeliveryResult(List.of(EventOutcome.rejected("bad"), EventOutcome.resend())));
            }
            return Mono.just(DeliveryResult.delivered(delivery.size()));
        });
        // A backoff of an hour: the resend comes within the wait below only if it skips the backoff.
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(5, Duration.ofHours(1), Duration.ofHours(2))));

        submit(BRIDGE, events("key-a", 2));

        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == 2);
        assertThat(destination.deliveries().get(1).events()).extracting(Event::eventType).containsExactly("event-1");
        assertThat(destination.deliveries().get(1).attempt()).isEqualTo(1);
        assertThat(this.logs.list).noneMatch((log) -> log.getFormattedMessage().startsWith("Delivery failed"));
    }

    @Test
    void byteLimitBoundsFailingLargeEvents() {
        AtomicBoolean down = new AtomicBoolean(true);
        RecordingDestination destination = unavailableWhile(down);
        this.pipeline = startWithByteLimit(destination);
        DestinationId first = DestinationId.of("first");

        // Ten events of about 200 KB, each of its own device, so none waits behind another's retry.
        submit(BRIDGE, IntStream.range(0, 10).mapToObj((i) -> largeEvent("large", "device-" + i, 200_000)).toList());
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() >= 20);

        // The second event passes the limit; the third finds it reached and stops the reading.
        assertThat(this.pipeline.status(first).retryingEvents()).isEqualTo(2);
        assertThat(this.pipeline.backlog(first)).isEqualTo(10);

        down.set(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(first) == 0);
    }

    @Test
    void byteLimitStopsLargeAfterSmall() {
        AtomicBoolean down = new AtomicBoolean(true);
        // Takes the small events and, while down, fails every delivery with a large one.
        RecordingDestination destination = unavailableFor((delivery) -> down.get()
                && delivery.events().stream().anyMatch((event) -> event.eventType().startsWith("large")));
        this.pipeline = startWithByteLimit(destination);
        DestinationId first = DestinationId.of("first");

        // Many small events make the dispatcher expect small ones and request them 256 at a time,
        // so the large ones after them are already requested when the first of them arrives.
        List<Event> events = new ArrayList<>();
        IntStream.range(0, 300).forEach((i) -> events.add(Event.builder("small").apiKey("key-a")
                .deviceId("device-small-" + i).build()));
        IntStream.range(0, 10).forEach((i) -> events.add(largeEvent("large-" + i, "device-large-" + i, 200_000)));
        submit(BRIDGE, events);
        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(first).failedDeliveries() >= 20);

        assertThat(largeTypesSent(destination)).containsExactlyInAnyOrder("large-0", "large-1");

        down.set(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(first) == 0);
        assertThat(largeTypesSent(destination)).hasSize(10);
    }

    @Test
    void byteLimitPassesOtherDevices() {
        RecordingDestination destination = unavailableFor((delivery) -> delivery.events().stream()
                .anyMatch((event) -> event.deviceId().orElse("").equals("device-stuck")));
        this.pipeline = startWithByteLimit(destination);
        DestinationId first = DestinationId.of("first");

        // The failing device's events take 240 KB of the 300 KB. The other device's 200 KB event
        // is still read, and the small events after it once that one is delivered.
        submit(BRIDGE, List.of(largeEvent("stuck-0", "device-stuck", 120_000),
                largeEvent("stuck-1", "device-stuck", 120_000)));
        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(first).retryingEvents() == 2);

        List<Event> others = new ArrayList<>();
        others.add(largeEvent("other", "device-other", 200_000));
        IntStream.range(0, 5).forEach((i) -> others.add(Event.builder("small-" + i).apiKey("key-a")
                .deviceId("device-small").build()));
        submit(BRIDGE, others);

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(first) == 2);
        assertThat(this.pipeline.status(first).failing()).isTrue();
    }

    @Test
    void rewindDeliversEachEventOnce() {
        // Every other delivery with device-flaky fails. The device's later events are skipped
        // meanwhile, so each retry that succeeds releases it with a rewind, while other devices'
        // deliveries are in flight.
        AtomicInteger flakyDeliveries = new AtomicInteger();
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            boolean flaky = delivery.events().stream().anyMatch((event) -> event.eventType().startsWith("flaky"));
            if (flaky && flakyDeliveries.getAndIncrement() % 2 == 0) {
                return Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), delivery.size())
                        .withFailure("HTTP 503: unavailable"));
            }
            return Mono.delay(Duration.ofMillis(20)).then(Mono.fromSupplier(() -> {
                delivered.addAll(delivery.events());
                return DeliveryResult.delivered(delivery.size());
            }));
        });
        // A reader that hands events over a while after the spool checked they were unacknowledged,
        // as a reader on its own thread can.
        MemorySpool memory = new MemorySpool(1000, List.of(destination.id()));
        Spool lateReader = new Spool() {

            @Override
            public Mono<Void> append(SourceId source, List<Event> events) {
                return memory.append(source, events);
            }

            @Override
            public Flux<SpooledEvent> read(DestinationId id) {
                return memory.read(id).delaySequence(Duration.ofMillis(30));
            }

            @Override
            public void acknowledge(DestinationId id, long offset) {
                memory.acknowledge(id, offset);
            }

            @Override
            public long backlog(DestinationId id) {
                return memory.backlog(id);
            }

            @Override
            public void close() {
                memory.close();
            }

        };
        this.pipeline = start(builder(destination).spool(lateReader)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(30), Duration.ofMillis(30))));

        for (int round = 0; round < 20; round++) {
            int first = round * 10;
            List<Event> events = new ArrayList<>();
            events.add(Event.builder("flaky-" + round).apiKey("key-a").deviceId("device-flaky").build());
            IntStream.range(first, first + 10).forEach((i) -> events.add(Event.builder("event-" + i)
                    .apiKey("key-a").deviceId("device-" + i).build()));
            submit(BRIDGE, events);
            // Spreads the rounds out, so that rewinds meet deliveries in flight.
            await().pollDelay(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5)).until(() -> true);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        assertThat(delivered).extracting(Event::eventType).doesNotHaveDuplicates().hasSize(220);
    }

    @Test
    void retryingDevicesLeaveFullHeapForOthers() {
        AtomicBoolean down = new AtomicBoolean(true);
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = failingDevices("device-stuck", down, delivered);
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(300), Duration.ofMillis(300)))
                .maxHeldEvents(20));
        DestinationId first = DestinationId.of("first");

        // Twenty devices whose events keep failing fill the heap's 20 events, while the
        // destination takes the events of another device.
        submitStuckAroundDelivery("stuck-0", 20, destination, delivered);
        submit(BRIDGE, stuckDevices("stuck-1", 20));
        submit(BRIDGE, IntStream.range(0, 5).mapToObj((i) -> Event.builder("ok-" + i).apiKey("key-a")
                .deviceId("device-ok").build()).toList());

        await().atMost(Duration.ofSeconds(10)).until(() -> deliveredTypes(delivered, "device-ok").size() == 6);
        assertThat(deliveredTypes(delivered, "device-ok")).containsExactly("ok", "ok-0", "ok-1", "ok-2", "ok-3", "ok-4");
        assertThat(this.pipeline.backlog(first)).isEqualTo(40);
        assertThat(this.pipeline.status(first).retryingEvents()).isEqualTo(20);

        down.set(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(first) == 0);
        for (int i = 0; i < 20; i++) {
            assertThat(deliveredTypes(delivered, "device-stuck-" + i)).containsExactly("stuck-0", "stuck-1");
        }
    }

    @Test
    void retryBudgetSurvivesLeavingHeap() {
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = failingDevices("device-stuck", new AtomicBoolean(true), delivered);
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(5, Duration.ofMillis(300), Duration.ofMillis(300)))
                .maxHeldEvents(10));

        // Ten failing devices fill the heap, so their events leave it between attempts.
        submitStuckAroundDelivery("stuck", 10, destination, delivered);

        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(this.pipeline).size() == 10);
        assertThat(deadLetters(this.pipeline)).allSatisfy((letter) -> {
            assertThat(letter.deadLetter().reason()).isEqualTo(DeadLetter.RETRY_BUDGET_EXHAUSTED);
            assertThat(letter.deadLetter().attempts()).isEqualTo(5);
        });
        for (int i = 0; i < 10; i++) {
            String device = "device-stuck-" + i;
            assertThat(destination.deliveries().stream()
                    .filter((delivery) -> delivery.events().stream().anyMatch((event) -> event.deviceId()
                            .orElseThrow().equals(device)))
                    .map(Delivery::attempt))
                    .containsExactly(1, 2, 3, 4, 5);
        }
        assertThat(this.pipeline.backlog(DestinationId.of("first"))).isZero();
    }

    @Test
    void failingForEveryoneKeepsBacklogInSpool() {
        RecordingDestination destination = failingDevices("device-stuck", new AtomicBoolean(true),
                new ConcurrentLinkedQueue<>());
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(300), Duration.ofMillis(300)))
                .maxHeldEvents(10));

        submit(BRIDGE, stuckDevices("stuck", 30));

        // Several rounds of retries, each a backoff of at least 150 ms, go by without reading on.
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() >= 4);
        assertThat(destination.deliveries()).flatExtracting(Delivery::events)
                .extracting((event) -> event.deviceId().orElseThrow())
                .allMatch((device) -> Integer.parseInt(device.substring("device-stuck-".length())) < 10);
    }

    @Test
    void failingDevicesLeaveTheirBatchMates() {
        // Like Amplitude's 5xx, every delivery with an event of a device-bad fails as a whole.
        RecordingDestination destination = unavailableFor((delivery) -> delivery.events().stream()
                .anyMatch((event) -> event.deviceId().orElseThrow().startsWith("device-bad")));
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(12, Duration.ofMillis(300), Duration.ofMillis(300))));
        // Six batches of ten devices, each with a failing one: too many failing groups to split
        // without other deliveries in between.
        submitBatchesWithFailingDevice(6);
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() >= 6);
        // The destination takes another device's event after the first failures, well before the
        // second, so that the groups halve from then on: ten devices take four halvings.
        submit(BRIDGE, List.of(Event.builder("ok").apiKey("key-a").deviceId("device-ok").build()));

        await().atMost(Duration.ofSeconds(20)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        assertThat(deadLetters(this.pipeline)).extracting((letter) -> letter.deadLetter().event().eventType())
                .containsOnly("bad")
                .hasSize(6);
        assertThat(deliveredDevices(destination)).doesNotHaveDuplicates().hasSize(55).contains("device-ok");
    }

    @Test
    void failingDevicesLeaveBatchMatesWithoutOtherTraffic() {
        RecordingDestination destination = unavailableFor((delivery) -> delivery.events().stream()
                .anyMatch((event) -> event.deviceId().orElseThrow().startsWith("device-bad")));
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(30, Duration.ofMillis(20), Duration.ofMillis(20))));

        // Six batches of ten devices, each with a failing one, and nothing else: the destination
        // looks down, and each failing group splits when its retry goes out as a probe.
        submitBatchesWithFailingDevice(6);

        await().atMost(Duration.ofSeconds(20)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        assertThat(deadLetters(this.pipeline)).extracting((letter) -> letter.deadLetter().event().eventType())
                .containsOnly("bad")
                .hasSize(6);
        assertThat(deliveredDevices(destination)).doesNotHaveDuplicates().hasSize(54);
    }

    @Test
    void batchMatesGoOutSoonAfterOutage() {
        AtomicBoolean down = new AtomicBoolean(true);
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = unavailableFor((delivery) -> down.get() || delivery.events().stream()
                .anyMatch((event) -> event.deviceId().orElseThrow().startsWith("device-bad")), delivered);
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(50), Duration.ofMinutes(1))));
        // Six batches of ten devices, each with a failing one, fail through an outage long enough
        // for the probe backoff to grow to seconds.
        submitBatchesWithFailingDevice(6);
        await().atMost(Duration.ofSeconds(20)).until(() -> destination.deliveries().size() >= 12);
        down.set(false);

        // Each failed probe that splits a group is followed by the next after the first backoff,
        // so the halves without a failing device are found within a few probes: under a second
        // here. With the backoff grown by the outage, each probe waited seconds (about 5 s in all).
        await().atMost(Duration.ofSeconds(3)).until(() -> delivered.size() >= 54);
        assertThat(delivered).extracting((event) -> event.deviceId().orElseThrow()).doesNotHaveDuplicates()
                .hasSize(54);
    }

    @Test
    void batchMatesWaitOnlyFirstBackoffs() {
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = unavailableFor((delivery) -> delivery.events().stream()
                .anyMatch((event) -> event.deviceId().orElseThrow().equals("device-bad")), delivered);
        this.pipeline = start(DispatchPipeline.builder()
                .spool(new MemorySpool(1000, List.of(destination.id())))
                .source(BRIDGE)
                .destination(destination, new BatchPolicy(32, Duration.ofMillis(20)))
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(100), Duration.ofMinutes(1)))
                .shutdownGracePeriod(Duration.ZERO));
        List<Event> batch = new ArrayList<>();
        batch.add(Event.builder("bad").apiKey("key-a").deviceId("device-bad").build());
        batch.addAll(stuckDevices("mate", 31));

        submit(BRIDGE, batch);

        // Five halvings set the failing device apart. Once the destination took the first half,
        // each halving waits only the first backoff, 50 to 100 ms. With the backoff growing at
        // each failure, the last mates would wait 3 to 6 s.
        await().atMost(Duration.ofSeconds(2)).until(() -> delivered.size() >= 31);
        assertThat(delivered).extracting((event) -> event.deviceId().orElseThrow()).doesNotHaveDuplicates()
                .hasSize(31);
    }

    @Test
    void failingDeviceLeavesItsOnlyBatch() {
        RecordingDestination destination = unavailableFor((delivery) -> delivery.events().stream()
                .anyMatch((event) -> event.deviceId().orElseThrow().equals("device-bad")));
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(12, Duration.ofMillis(20), Duration.ofMillis(20))));
        List<Event> batch = new ArrayList<>();
        batch.add(Event.builder("bad").apiKey("key-a").deviceId("device-bad").build());
        batch.addAll(stuckDevices("mate", 9));

        // Nothing else is sent, so the destination takes no other events between two failures.
        submit(BRIDGE, batch);

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        assertThat(deadLetters(this.pipeline)).extracting((letter) -> letter.deadLetter().event().eventType())
                .containsExactly("bad");
        assertThat(deadLetters(this.pipeline).get(0).deadLetter().attempts()).isEqualTo(12);
        assertThat(deliveredDevices(destination)).doesNotHaveDuplicates().hasSize(9);
    }

    @Test
    void failingForEveryoneSendsOneProbeAtATime() {
        AtomicBoolean down = new AtomicBoolean(true);
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = failingDevices("device-stuck", down, delivered);
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(100), Duration.ofMillis(400))));

        // Fifty batches of ten devices, every one of them failing. Eight deliveries in flight fail
        // before the destination looks down.
        submit(BRIDGE, stuckDevices("stuck", 500));
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() >= 12);
        int before = destination.deliveries().size();
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
        int during = destination.deliveries().size() - before;
        down.set(false);

        // Probes go out one at a time, each a backoff of at least 200 ms after the previous one
        // once the backoff is at its maximum. Each of the 50 batches retrying on its own backoff
        // would send a hundred or more in two seconds.
        assertThat(during).isLessThanOrEqualTo(15);
        await().atMost(Duration.ofSeconds(20)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        assertThat(delivered).extracting((event) -> event.deviceId().orElseThrow()).doesNotHaveDuplicates()
                .hasSize(500);
        assertThat(deadLetters(this.pipeline)).isEmpty();
    }

    @Test
    void longOutageEndNoticedSoon() {
        AtomicBoolean down = new AtomicBoolean(true);
        RecordingDestination destination = unavailableWhile(down);
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(20), Duration.ofMinutes(1)))
                .maxProbeInterval(Duration.ofMillis(300)));

        // One device after another through an outage: the first four become groups and the
        // destination looks down, then each goes out as a probe and fails.
        for (int i = 0; i < 12; i++) {
            String device = "device-down-" + i;
            submit(BRIDGE, List.of(Event.builder("down").apiKey("key-a").deviceId(device).build()));
            await().atMost(Duration.ofSeconds(10)).until(() -> sentDevices(destination).contains(device));
        }
        down.set(false);
        submit(BRIDGE, List.of(Event.builder("up").apiKey("key-a").deviceId("device-up").build()));

        // Probes wait at most the longest probe interval, 300 ms here. Growing as a group's
        // backoff does, the waits would reach seconds within this loop, and a minute after it.
        await().atMost(Duration.ofSeconds(2)).until(() -> sentDevices(destination).contains("device-up"));
        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        assertThat(deadLetters(this.pipeline)).isEmpty();
    }

    @Test
    void outageEndNoticedWhileEveryGroupWaits() {
        AtomicBoolean down = new AtomicBoolean(true);
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = unavailableFor((delivery) -> down.get(), delivered);
        // Each retry waits 30 to 60 s, and a second failed attempt would spend a group's budget.
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(2, Duration.ofMinutes(1), Duration.ofMinutes(1)))
                .maxProbeInterval(Duration.ofMillis(200)));
        int devices = RetryPlanner.MAX_GROUPS_SPLIT_ALONE;
        for (int i = 0; i < devices; i++) {
            submit(BRIDGE, List.of(Event.builder("down").apiKey("key-a").deviceId("device-down-" + i).build()));
            int sent = i + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == sent);
        }

        // The destination looks down, and no group is due for half a minute. Groups go out early,
        // one at a time, and their failures spend no attempt.
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() >= devices + 4);
        down.set(false);

        // The next early probe is delivered, and the groups still waiting go at once.
        await().atMost(Duration.ofSeconds(3)).until(() -> delivered.size() >= devices);
        assertThat(delivered).extracting((event) -> event.deviceId().orElseThrow()).doesNotHaveDuplicates()
                .hasSize(devices);
        assertThat(deadLetters(this.pipeline)).isEmpty();
    }

    @Test
    void newEventsProbeBeforeEarlyRetries() throws InterruptedException {
        AtomicBoolean down = new AtomicBoolean(true);
        RecordingDestination destination = unavailableWhile(down);
        // No group is due during the test, so a retry that goes out is early.
        this.pipeline = start(DispatchPipeline.builder()
                .spool(new MemorySpool(1000, List.of(destination.id())))
                .source(BRIDGE)
                .destination(destination, new BatchPolicy(1000, Duration.ofMillis(500)))
                .retryPolicy(new RetryPolicy(1000, Duration.ofMinutes(1), Duration.ofMinutes(1)))
                .maxProbeInterval(Duration.ofMillis(200))
                .shutdownGracePeriod(Duration.ZERO));
        for (int i = 0; i < RetryPlanner.MAX_GROUPS_SPLIT_ALONE; i++) {
            submit(BRIDGE, List.of(Event.builder("down").apiKey("key-a").deviceId("device-down-" + i).build()));
            int sent = i + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == sent);
        }

        // The destination looks down. An event every 20 ms keeps a batch open, and batches close
        // after 500 ms, later than the 200 ms after which a group may go early. Each probe waits
        // for the batch rather than sending a failed group early.
        int before = destination.deliveries().size();
        for (int i = 0; i < 150; i++) {
            submit(BRIDGE, List.of(Event.builder("new").apiKey("key-a").deviceId("device-new-" + i).build()));
            Thread.sleep(20);
        }
        List<Delivery> sent = List.copyOf(destination.deliveries());
        List<Delivery> during = sent.subList(before, sent.size());

        assertThat(during).isNotEmpty();
        assertThat(during).extracting(Delivery::attempt).containsOnly(1);
        down.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        assertThat(deadLetters(this.pipeline)).isEmpty();
    }

    @Test
    void sparseEventsPassFailingGroups() throws InterruptedException {
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = unavailableFor((delivery) -> delivery.events().stream()
                .anyMatch((event) -> event.deviceId().orElseThrow().startsWith("device-bad")), delivered);
        // No group is due during the test, so a failing group that goes out is early.
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMinutes(1), Duration.ofMinutes(1)))
                .maxProbeInterval(Duration.ofSeconds(2))
                .shutdownGracePeriod(Duration.ZERO));
        int failing = RetryPlanner.MAX_GROUPS_SPLIT_ALONE;
        for (int i = 0; i < failing; i++) {
            submit(BRIDGE, List.of(Event.builder("bad").apiKey("key-a").deviceId("device-bad-" + i).build()));
            int sent = i + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == sent);
        }

        // The destination looks down, and a healthy event comes every 2.2 s, after the destination
        // took nothing for a probe interval. Failing groups sent early meanwhile back off on their
        // own, at least 1 s apart, and do not hold the healthy events back.
        for (int i = 0; i < 4; i++) {
            Thread.sleep(2200);
            submit(BRIDGE, List.of(Event.builder("ok").apiKey("key-a").deviceId("device-ok-" + i).build()));
            int healthy = i + 1;
            await().atMost(Duration.ofMillis(700)).until(() -> delivered.size() == healthy);
        }

        // The first healthy event sends every failing group early; they fail, and each waits for
        // its own retry before going early that way again. At most nine early probes fit in the
        // 8.8 s. Sending every group again after each healthy event would add twelve.
        long failed = destination.deliveries().size() - delivered.size();
        assertThat(failed).isLessThanOrEqualTo(failing + 9 + failing);
    }

    @Test
    void mixedFailuresKeepEachDeviceInOrder() throws InterruptedException {
        deliverThroughMixedFailures((ids) -> new MemorySpool(5000, ids));
    }

    @Test
    void mixedFailuresKeepOrderOnFileSpool(@TempDir Path directory) throws InterruptedException {
        onFileSpool(directory, this::deliverThroughMixedFailures);
    }

    @Test
    void parkingKeepsDeviceOrder() throws InterruptedException {
        deliverThroughParking((ids) -> new MemorySpool(5000, ids));
    }

    @Test
    void parkingKeepsOrderOnFileSpool(@TempDir Path directory) throws InterruptedException {
        onFileSpool(directory, this::deliverThroughParking);
    }

    /** Runs {@code scenario} on a file spool in {@code directory}, closed after the pipeline. */
    private void onFileSpool(Path directory, SpoolScenario scenario) throws InterruptedException {
        List<MVStoreSpool> opened = new ArrayList<>();
        try {
            scenario.run((ids) -> {
                MVStoreSpool spool = MVStoreSpool.builder(directory).destinations(ids).build();
                opened.add(spool);
                return spool;
            });
        }
        finally {
            if (this.pipeline != null) {
                this.pipeline.close();
                this.pipeline = null;
            }
            opened.forEach(MVStoreSpool::close);
        }
    }

    /** A scenario that builds its pipeline's spool with the factory it is given. */
    @FunctionalInterface
    private interface SpoolScenario {

        void run(Function<List<DestinationId>, Spool> spoolFactory) throws InterruptedException;

    }

    /**
     * Sends 1,200 events of forty devices while the heap keeps at most forty, through a failing device,
     * random 503s, throttles, rejected events, 413s and slow responses. Checks that each event
     * arrives once, in its device's order, or becomes a dead letter if the destination rejected it.
     */
    private void deliverThroughParking(Function<List<DestinationId>, Spool> spoolFactory)
            throws InterruptedException {
        Random random = new Random(7);
        AtomicBoolean healed = new AtomicBoolean();
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        Queue<Event> rejected = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            List<Event> events = delivery.events();
            DeliveryResult result = randomResult(random, events, healed.get(), rejected);
            if (result.outcomes().stream().allMatch((outcome) -> outcome instanceof EventOutcome.Delivered)) {
                delivered.addAll(events);
            }
            return Mono.just(result).delayElement(Duration.ofMillis(random.nextInt(15)));
        });
        this.pipeline = start(DispatchPipeline.builder()
                .spool(spoolFactory.apply(List.of(destination.id())))
                .source(BRIDGE)
                .destination(destination, new BatchPolicy(10, Duration.ofMillis(5)))
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(20), Duration.ofMillis(400)))
                .maxHeldEvents(40)
                .maxDeliveriesInFlight(4)
                .maxProbeInterval(Duration.ofMillis(100)));

        // Forty devices send thirty events each while the heap keeps at most forty events, so
        // groups waiting for a retry or a throttle's pause leave the heap and are read again. The
        // destination also rejects single events, finds batches too large and responds slowly.
        int[] sent = new int[40];
        for (int upload = 0; upload < 120; upload++) {
            submit(BRIDGE, randomUpload(random, sent));
            Thread.sleep(10);
        }
        Thread.sleep(500);
        healed.set(true);

        await().atMost(Duration.ofSeconds(30)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        List<StoredDeadLetter> letters = deadLetters(this.pipeline);
        assertThat(letters).extracting((letter) -> letter.deadLetter().reason())
                .containsOnly(RejectionReason.INVALID_EVENT.code());
        assertThat(letters).extracting((letter) -> name(letter.deadLetter().event()))
                .containsExactlyInAnyOrderElementsOf(rejected.stream().map(DispatchPipelineTests::name).toList());
        assertThat(delivered.size() + rejected.size()).isEqualTo(1200);
        for (int device = 0; device < 40; device++) {
            String id = "device-" + device;
            List<String> expected = IntStream.range(0, 30).mapToObj((i) -> "e-" + i)
                    .filter((type) -> rejected.stream().noneMatch((event) -> event.eventType().equals(type)
                            && event.deviceId().orElseThrow().equals(id)))
                    .toList();
            assertThat(deliveredTypes(delivered, id)).as(id).containsExactlyElementsOf(expected);
        }
    }

    /**
     * Builds an upload of ten events from random devices among forty, each device's events named
     * {@code e-0} to {@code e-29} in order; {@code sent} counts each device's events so far.
     */
    private static List<Event> randomUpload(Random random, int[] sent) {
        List<Event> events = new ArrayList<>();
        while (events.size() < 10) {
            int device = random.nextInt(40);
            if (sent[device] < 30) {
                String type = "e-" + sent[device]++;
                events.add(Event.builder(type).apiKey("key-a").deviceId("device-" + device).build());
            }
        }
        return events;
    }

    private static String name(Event event) {
        return event.deviceId().orElseThrow() + "/" + event.eventType();
    }

    /**
     * Returns the result Amplitude might give a delivery under trouble: one device always fails,
     * and random 503s, throttles, rejected events and 413s come on top, until {@code healed}.
     */
    private static DeliveryResult randomResult(Random random, List<Event> events, boolean healed,
            Queue<Event> rejected) {
        if (healed) {
            return DeliveryResult.delivered(events.size());
        }
        List<String> devices = events.stream().map((event) -> event.deviceId().orElseThrow()).toList();
        int roll = random.nextInt(100);
        if (devices.contains("device-5") || roll < 12) {
            return DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), events.size())
                    .withFailure("HTTP 503: unavailable");
        }
        if (roll < 20) {
            String throttled = devices.get(random.nextInt(devices.size()));
            return new DeliveryResult(devices.stream()
                    .map((device) -> device.equals(throttled) ? EventOutcome.throttled(Duration.ofMillis(150))
                            : EventOutcome.resend())
                    .toList(), "HTTP 429: too many requests");
        }
        if (roll < 25) {
            // A 400 naming one event: Amplitude takes none of the batch, and the rest goes again.
            int invalid = random.nextInt(events.size());
            rejected.add(events.get(invalid));
            return new DeliveryResult(IntStream.range(0, events.size())
                    .mapToObj((i) -> (i == invalid) ? EventOutcome.rejected(RejectionReason.INVALID_EVENT, "invalid")
                            : EventOutcome.resend())
                    .toList(), "HTTP 400: invalid event");
        }
        if (roll < 30 && events.size() > 1) {
            return DeliveryResult.uniform(EventOutcome.tooLarge(), events.size()).withFailure("HTTP 413: too large");
        }
        return DeliveryResult.delivered(events.size());
    }

    /**
     * Sends 1,200 events of forty devices through failing devices, random 503s, throttles and an
     * outage, and checks that each arrives once, in its device's order, with no dead letter.
     */
    private void deliverThroughMixedFailures(Function<List<DestinationId>, Spool> spoolFactory)
            throws InterruptedException {
        Random random = new Random(42);
        AtomicBoolean outage = new AtomicBoolean();
        AtomicBoolean healed = new AtomicBoolean();
        Queue<Event> delivered = new ConcurrentLinkedQueue<>();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            List<String> devices = delivery.events().stream().map((event) -> event.deviceId().orElseThrow()).toList();
            boolean failingDevice = devices.contains("device-3") || devices.contains("device-17");
            if (!healed.get() && (outage.get() || failingDevice || random.nextInt(100) < 15)) {
                return Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), delivery.size())
                        .withFailure("HTTP 503: unavailable"));
            }
            if (!healed.get() && random.nextInt(100) < 10) {
                // Amplitude throttles one device and takes none of the batch's events.
                String throttled = devices.get(random.nextInt(devices.size()));
                return Mono.just(new DeliveryResult(devices.stream()
                        .map((device) -> device.equals(throttled) ? EventOutcome.throttled(Duration.ofMillis(30))
                                : EventOutcome.resend())
                        .toList(), "HTTP 429: too many requests"));
            }
            delivered.addAll(delivery.events());
            return Mono.just(DeliveryResult.delivered(delivery.size()));
        });
        this.pipeline = start(DispatchPipeline.builder()
                .spool(spoolFactory.apply(List.of(destination.id())))
                .source(BRIDGE)
                .destination(destination, new BatchPolicy(10, Duration.ofMillis(5)))
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(5), Duration.ofSeconds(1)))
                .maxProbeInterval(Duration.ofMillis(50)));

        // Forty devices send thirty events each, in uploads of ten events from random devices.
        // Two devices always fail, and random 503s and throttles come on top. An outage of about
        // a second, most of it without new events, sends groups early and makes them due at once
        // when it ends.
        int[] sent = new int[40];
        for (int upload = 0; upload < 120; upload++) {
            if (upload == 60) {
                outage.set(true);
            }
            if (upload == 90) {
                Thread.sleep(800);
                outage.set(false);
            }
            submit(BRIDGE, randomUpload(random, sent));
            Thread.sleep(10);
        }
        healed.set(true);

        await().atMost(Duration.ofSeconds(30)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        assertThat(deadLetters(this.pipeline)).isEmpty();
        assertThat(delivered).hasSize(1200);
        for (int device = 0; device < 40; device++) {
            String id = "device-" + device;
            List<String> types = delivered.stream().filter((event) -> event.deviceId().orElseThrow().equals(id))
                    .map(Event::eventType).toList();
            assertThat(types).as(id).containsExactlyElementsOf(
                    IntStream.range(0, 30).mapToObj((i) -> "e-" + i).toList());
        }
    }

    @Test
    void failingDevicesHoldOthersForOneProbe() {
        RecordingDestination destination = unavailableFor((delivery) -> delivery.events().stream()
                .anyMatch((event) -> event.deviceId().orElseThrow().startsWith("device-bad")));
        // No group retries during the test, so only a probe can show that the destination takes events.
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMinutes(1), Duration.ofMinutes(1)))
                .shutdownGracePeriod(Duration.ZERO));
        for (int i = 0; i < RetryPlanner.MAX_GROUPS_SPLIT_ALONE; i++) {
            submit(BRIDGE, List.of(Event.builder("bad").apiKey("key-a").deviceId("device-bad-" + i).build()));
            int sent = i + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == sent);
        }

        // The destination looks down now. The first batch goes out as a probe, before any retry,
        // and is delivered.
        submit(BRIDGE, stuckDevices("ok", 30));

        await().atMost(Duration.ofSeconds(10)).until(() -> deliveredDevices(destination).size() == 30);
        assertThat(deliveredDevices(destination)).doesNotHaveDuplicates();
    }

    @Test
    void countsEveryFailedDeliveryInStatus() {
        RecordingDestination destination = unavailableWhile(new AtomicBoolean(true));
        this.pipeline = start(builder(destination));

        submit(BRIDGE, events("key-a", 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(this.pipeline).size() == 1);
        assertThat(destination.deliveries()).hasSize(5);
        assertThat(this.pipeline.status(DestinationId.of("first")).failedDeliveries()).isEqualTo(5);
    }

    @Test
    void spentBudgetsLogOncePerInterval() {
        RecordingDestination destination = unavailableWhile(new AtomicBoolean(true));
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)))
                .failureWarningInterval(Duration.ofMillis(500)));

        // Three batches of ten devices, each dead-lettered at its first failure.
        submit(BRIDGE, stuckDevices("stuck", 30));

        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(this.pipeline).size() == 30);
        assertThat(destination.deliveries()).hasSize(3);
        // The first batch logs at once, the other two when the interval ends.
        await().atMost(Duration.ofSeconds(10)).until(() -> loggedEvents(Level.ERROR, "Retry budget exhausted") == 30);
        await().atMost(Duration.ofSeconds(10)).until(() -> loggedEvents(Level.WARN, "Dead-lettering events") == 30);
        assertThat(logged(Level.ERROR)).hasSizeLessThanOrEqualTo(2);
        assertThat(warnings()).filteredOn((line) -> line.startsWith("Dead-lettering events")).hasSizeLessThanOrEqualTo(2)
                .allSatisfy((line) -> assertThat(line).contains("reason=retry-budget-exhausted"));
    }

    @Test
    void stopLogsDeadLettersLeftOut() {
        RecordingDestination destination = unavailableWhile(new AtomicBoolean(true));
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1))));

        submit(BRIDGE, stuckDevices("stuck", 30));
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(this.pipeline).size() == 30);
        this.pipeline.close();

        // Closing waits for the dispatcher to stop, so the lines are there when it returns.
        assertThat(loggedEvents(Level.WARN, "Dead-lettering events")).isEqualTo(30);
        assertThat(loggedEvents(Level.ERROR, "Retry budget exhausted")).isEqualTo(30);
    }

    /** Adds up the {@code events=} counts of the lines logged at {@code level} that start with {@code prefix}. */
    private long loggedEvents(Level level, String prefix) {
        return logged(level).stream()
                .filter((line) -> line.startsWith(prefix))
                .mapToLong((line) -> Long.parseLong(line.replaceAll(".* events=(\\d+).*", "$1")))
                .sum();
    }

    /** Submits {@code count} batches of ten devices, each with one failing device-bad and nine healthy mates. */
    private void submitBatchesWithFailingDevice(int count) {
        for (int batch = 0; batch < count; batch++) {
            List<Event> events = new ArrayList<>();
            events.add(Event.builder("bad").apiKey("key-a").deviceId("device-bad-" + batch).build());
            for (int i = 0; i < 9; i++) {
                events.add(Event.builder("mate").apiKey("key-a").deviceId("device-mate-" + batch + "-" + i).build());
            }
            submit(BRIDGE, events);
        }
    }

    /** Returns the devices of every delivery sent to the destination, whether it took them or not. */
    private static Set<String> sentDevices(RecordingDestination destination) {
        return destination.deliveries().stream()
                .flatMap((delivery) -> delivery.events().stream())
                .map((event) -> event.deviceId().orElseThrow())
                .collect(Collectors.toSet());
    }

    /** Returns the devices of the deliveries the destination took, in delivery order. */
    private static List<String> deliveredDevices(RecordingDestination destination) {
        return destination.deliveries().stream()
                .filter((delivery) -> delivery.events().stream()
                        .noneMatch((event) -> event.deviceId().orElseThrow().startsWith("device-bad")))
                .flatMap((delivery) -> delivery.events().stream())
                .map((event) -> event.deviceId().orElseThrow())
                .toList();
    }

    @Test
    void fullHeapSendsOpenBatchAtOnce() {
        RecordingDestination destination = RecordingDestination.accepting("first");
        // Batches of 10 events would wait an hour to fill, but the heap has room for only 5 events.
        this.pipeline = start(DispatchPipeline.builder()
                .spool(new MemorySpool(1000, List.of(destination.id())))
                .source(BRIDGE)
                .destination(destination, new BatchPolicy(10, Duration.ofHours(1)))
                .maxHeldEvents(5));

        submit(BRIDGE, IntStream.range(0, 10).mapToObj((i) -> Event.builder("event-" + i).apiKey("key-a")
                .deviceId("device-" + i).build()).toList());

        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveredEventTypes().size() == 10);
        assertThat(destination.deliveries()).extracting(Delivery::size).containsExactly(5, 5);
    }

    @Test
    void statusShowsRunOfFailuresUntilDeliverySucceeds() {
        AtomicBoolean down = new AtomicBoolean(true);
        RecordingDestination destination = unavailableWhile(down);
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(1), Duration.ofMillis(5))));
        DestinationId first = DestinationId.of("first");
        assertThat(this.pipeline.status(first).failing()).isFalse();

        submit(BRIDGE, events("key-a", 2));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(first).failedDeliveries() >= 2);
        DestinationStatus failing = this.pipeline.status(first);
        assertThat(failing.failing()).isTrue();
        assertThat(failing.lastFailure()).isEqualTo("HTTP 503: unavailable");
        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(first).failedDeliveries() >= 3);
        assertThat(this.pipeline.status(first).failingSince()).isEqualTo(failing.failingSince());

        down.set(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> !this.pipeline.status(first).failing());
        assertThat(this.pipeline.status(first)).isEqualTo(new DestinationStatus(null, 0, null, 0, null, 0));
        assertThat(destination.deliveries().get(destination.deliveries().size() - 1).events()).hasSize(2);
    }

    @Test
    void resendsSpendNoRetryAttempt() {
        // Each delivery of several events has its first one rejected and the rest resent.
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            if (delivery.size() == 1) {
                return Mono.just(DeliveryResult.delivered(1));
            }
            List<EventOutcome> outcomes = new ArrayList<>();
            outcomes.add(EventOutcome.rejected(RejectionReason.INVALID_EVENT, "HTTP 400: invalid time"));
            for (int i = 1; i < delivery.size(); i++) {
                outcomes.add(EventOutcome.resend());
            }
            return Mono.just(new DeliveryResult(outcomes));
        });
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(5))));

        submit(BRIDGE, events("key-a", 4));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(DestinationId.of("first")) == 0);
        List<String> reasons = this.pipeline.deadLetters().list(null, 0, 10).block(Duration.ofSeconds(5)).stream()
                .map((letter) -> letter.deadLetter().reason())
                .toList();
        assertThat(reasons).isNotEmpty().containsOnly("invalid-event");
        assertThat(destination.deliveries()).anyMatch((delivery) -> delivery.size() == 1);
    }

    @Test
    void retriesWholeBatchWhenDeliveryErrors() {
        AtomicInteger calls = new AtomicInteger();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> (calls.getAndIncrement() < 2)
                ? Mono.error(new IllegalStateException("connection reset"))
                : Mono.just(DeliveryResult.delivered(delivery.size())));
        this.pipeline = start(builder(destination));

        submit(BRIDGE, events("key-a", 2));

        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == 3);
        assertThat(destination.deliveries().get(2).attempt()).isEqualTo(3);
    }

    @Test
    void outageLogsOneWarningAndRecovery() {
        AtomicInteger calls = new AtomicInteger();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> (calls.getAndIncrement() < 4)
                ? Mono.error(new IllegalStateException("connection refused"))
                : Mono.just(DeliveryResult.delivered(delivery.size())));
        this.pipeline = start(builder(destination));

        // Three batches of distinct devices, delivered side by side, all fail at first.
        submit(BRIDGE, IntStream.range(0, 25)
                .mapToObj((i) -> Event.builder("event-" + i).apiKey("key-a").deviceId("device-" + i).build())
                .toList());

        await().atMost(Duration.ofSeconds(10))
                .until(() -> this.logs.list.stream().anyMatch((event) -> event.getLevel() == Level.INFO));
        List<ILoggingEvent> warnings = this.logs.list.stream().filter((event) -> event.getLevel() == Level.WARN).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getFormattedMessage()).startsWith("Delivery failed, will retry");
        assertThat(this.logs.list).filteredOn((event) -> event.getLevel() == Level.INFO).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage).asString()
                .startsWith("Deliveries succeed again: destination_id=first failed_deliveries=");
    }

    @Test
    void rejectionEndsRunOfFailures() {
        AtomicInteger calls = new AtomicInteger();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> (calls.getAndIncrement() < 2)
                ? Mono.error(new IllegalStateException("connection refused"))
                : Mono.just(DeliveryResult.uniform(EventOutcome.rejected("Invalid API key"), delivery.size())));
        this.pipeline = start(builder(destination));
        DestinationId first = DestinationId.of("first");

        submit(BRIDGE, events("key-a", 2));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.deadLetters().count(null)
                .block(Duration.ofSeconds(5)) == 2);
        assertThat(this.pipeline.status(first).failing()).isFalse();
        assertThat(this.pipeline.status(first).lastFailure()).isNull();
        assertThat(this.logs.list).filteredOn((event) -> event.getLevel() == Level.INFO)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch((message) -> message.startsWith("The destination responds again but rejected this batch: "
                        + "destination_id=first failed_deliveries=2 events_rejected=2"));
    }

    @Test
    void statusShowsStuckDeviceWhileOthersSucceed() {
        AtomicBoolean down = new AtomicBoolean(true);
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            boolean bad = delivery.events().stream().anyMatch((event) -> event.deviceId().orElse("").equals("device-bad"));
            return (bad && down.get())
                    ? Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), delivery.size())
                            .withFailure("HTTP 503: shard unavailable"))
                    : Mono.just(DeliveryResult.delivered(delivery.size()));
        });
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(50), Duration.ofMillis(100))));
        DestinationId first = DestinationId.of("first");

        submit(BRIDGE, List.of(Event.builder("bad").apiKey("key-a").deviceId("device-bad").build(),
                Event.builder("bad").apiKey("key-a").deviceId("device-bad").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(first).retryingEvents() == 2);
        int delivered = destination.deliveries().size();
        submit(BRIDGE, events("key-a", 3));
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().stream()
                .skip(delivered).anyMatch((delivery) -> delivery.events().size() == 3));

        DestinationStatus stuck = this.pipeline.status(first);
        assertThat(stuck.retryingEvents()).isEqualTo(2);
        assertThat(stuck.retryingSince()).isNotNull();
        assertThat(this.pipeline.backlog(first)).isEqualTo(2);

        down.set(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(first).retryingEvents() == 0);
        assertThat(this.pipeline.status(first).retryingSince()).isNull();
    }

    @Test
    void statusCountsThrottledEventsAsRetrying() {
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> Mono.just(
                DeliveryResult.uniform(EventOutcome.throttled(Duration.ofMinutes(5)), delivery.size())));
        this.pipeline = start(builder(destination).shutdownGracePeriod(Duration.ZERO));

        submit(BRIDGE, List.of(Event.builder("slow").apiKey("key-a").deviceId("device-slow").build()));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(DestinationId.of("first"))
                .retryingEvents() == 1);
        assertThat(this.pipeline.status(DestinationId.of("first")).failing()).isFalse();
        assertThat(this.pipeline.status(DestinationId.of("first")).pausedDevices()).isZero();
    }

    @Test
    void statusCountsParkedDevicesUntilReadBack() {
        AtomicBoolean throttling = new AtomicBoolean(true);
        Sinks.One<DeliveryResult> hanging = Sinks.one();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            String device = delivery.events().get(0).deviceId().orElseThrow();
            if (device.startsWith("device-stuck") && throttling.get()) {
                return Mono.just(DeliveryResult.uniform(EventOutcome.throttled(Duration.ofMillis(300)), delivery.size()));
            }
            if (device.equals("device-slow") && delivery.events().get(0).eventType().equals("slow-0")) {
                return hanging.asMono();
            }
            return Mono.just(DeliveryResult.delivered(delivery.size()));
        });
        this.pipeline = start(builder(destination).maxHeldEvents(20));
        DestinationId first = DestinationId.of("first");

        submit(BRIDGE, stuckDevices("stuck", 10));
        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(first).retryingEvents() == 10);
        List<Event> slow = IntStream.range(0, 20)
                .mapToObj((i) -> Event.builder("slow-" + i).apiKey("key-a").deviceId("device-slow").build())
                .toList();
        submit(BRIDGE, slow.subList(0, 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() == 2);
        // The slow device's later events wait for its hanging delivery and fill the heap, so the
        // throttled devices' events leave it and cannot be read back once their pause is over.
        submit(BRIDGE, slow.subList(1, 20));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(first).pausedDevices() == 10);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                .until(() -> this.pipeline.status(first).pausedDevices() == 10);
        throttling.set(false);
        hanging.tryEmitValue(DeliveryResult.delivered(1));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.backlog(first) == 0);
        assertThat(this.pipeline.status(first).pausedDevices()).isZero();
        assertThat(this.pipeline.status(first).retryingEvents()).isZero();
        Queue<Event> sent = new ConcurrentLinkedQueue<>();
        destination.deliveries().forEach((delivery) -> sent.addAll(delivery.events()));
        assertThat(deliveredTypes(sent, "device-slow")).isEqualTo(slow.stream().map(Event::eventType).toList());
    }

    @Test
    void longOutageWarnsAgainEachInterval() {
        AtomicBoolean down = new AtomicBoolean(true);
        RecordingDestination destination = unavailableWhile(down);
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(10), Duration.ofMillis(20)))
                .failureWarningInterval(Duration.ofMillis(200)));

        submit(BRIDGE, events("key-a", 2));

        await().atMost(Duration.ofSeconds(10)).until(() -> warnings().size() >= 3);
        down.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> !logged(Level.INFO).isEmpty());
        List<String> warnings = warnings();
        assertThat(warnings.get(0)).startsWith("Delivery failed, will retry")
                .endsWith("destination_id=first events=2 failure=HTTP 503: unavailable");
        assertThat(warnings.subList(1, warnings.size())).allSatisfy((warning) -> assertThat(warning)
                .startsWith("Deliveries still failing: destination_id=first failing_since=")
                .contains("backlog=2 failure=HTTP 503: unavailable"));
        assertThat(destination.deliveries().size()).isGreaterThan(warnings.size());
    }

    @Test
    void timeoutIsDescribedInPlainWords() {
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> Mono.never());
        this.pipeline = start(builder(destination).deliveryTimeout(Duration.ofMillis(100)));

        submit(BRIDGE, events("key-a", 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> this.pipeline.status(DestinationId.of("first")).failing());
        assertThat(this.pipeline.status(DestinationId.of("first")).lastFailure())
                .isEqualTo("timed out: no result within 100 ms");
    }

    /** Returns a destination that fails every delivery with {@code HTTP 503: unavailable} while {@code down} is set. */
    private static RecordingDestination unavailableWhile(AtomicBoolean down) {
        return unavailableFor((delivery) -> down.get());
    }

    /** Returns a destination that fails the deliveries {@code failing} matches with {@code HTTP 503: unavailable}. */
    private static RecordingDestination unavailableFor(Predicate<Delivery> failing) {
        return unavailableFor(failing, new ConcurrentLinkedQueue<>());
    }

    /**
     * Returns a destination that fails the deliveries {@code failing} matches with {@code HTTP
     * 503: unavailable}, and adds the events of the others to {@code delivered}.
     */
    private static RecordingDestination unavailableFor(Predicate<Delivery> failing, Queue<Event> delivered) {
        return new RecordingDestination("first", (delivery) -> {
            if (failing.test(delivery)) {
                return Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), delivery.size())
                        .withFailure("HTTP 503: unavailable"));
            }
            delivered.addAll(delivery.events());
            return Mono.just(DeliveryResult.delivered(delivery.size()));
        });
    }

    /**
     * Returns a destination that, while {@code down} is set, fails the events of devices whose id
     * starts with {@code prefix}, and adds the rest of each delivery to {@code delivered}.
     */
    private static RecordingDestination failingDevices(String prefix, AtomicBoolean down, Queue<Event> delivered) {
        return new RecordingDestination("first", (delivery) -> {
            List<EventOutcome> outcomes = new ArrayList<>();
            boolean anyFailing = false;
            for (Event event : delivery.events()) {
                boolean failing = down.get() && event.deviceId().orElse("").startsWith(prefix);
                outcomes.add(failing ? EventOutcome.retryLater(Duration.ZERO) : EventOutcome.delivered());
                if (failing) {
                    anyFailing = true;
                }
                else {
                    delivered.add(event);
                }
            }
            DeliveryResult result = new DeliveryResult(outcomes);
            return Mono.just(anyFailing ? result.withFailure("HTTP 500: internal error") : result);
        });
    }

    /** Returns the event types of a device's events in the order the destination took them. */
    private static List<String> deliveredTypes(Queue<Event> delivered, String deviceId) {
        return delivered.stream()
                .filter((event) -> event.deviceId().orElse("").equals(deviceId))
                .map(Event::eventType)
                .toList();
    }

    /**
     * Submits events of {@code count} failing devices in two halves, with an event of device-ok
     * delivered after the first half failed, so that the destination took events since then.
     */
    private void submitStuckAroundDelivery(String type, int count, RecordingDestination destination,
            Queue<Event> delivered) {
        List<Event> stuck = stuckDevices(type, count);
        submit(BRIDGE, stuck.subList(0, count / 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> !destination.deliveries().isEmpty());
        submit(BRIDGE, List.of(Event.builder("ok").apiKey("key-a").deviceId("device-ok").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> !delivered.isEmpty());
        submit(BRIDGE, stuck.subList(count / 2, count));
    }

    /** Returns one event of type {@code type} for each of the devices device-stuck-0 to device-stuck-(count - 1). */
    private static List<Event> stuckDevices(String type, int count) {
        return IntStream.range(0, count)
                .mapToObj((i) -> Event.builder(type).apiKey("key-a").deviceId("device-stuck-" + i).build())
                .toList();
    }

    private static List<StoredDeadLetter> deadLetters(DispatchPipeline pipeline) {
        return pipeline.deadLetters().list(null, 0, 1000).block(Duration.ofSeconds(5));
    }

    /** Starts a pipeline that retries every few milliseconds and holds at most 300,000 bytes of events. */
    private DispatchPipeline startWithByteLimit(RecordingDestination destination) {
        return start(builder(destination)
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(1), Duration.ofMillis(5)))
                .maxHeldBytes(300_000));
    }

    private static Event largeEvent(String type, String deviceId, int bytes) {
        return Event.builder(type).apiKey("key-a").deviceId(deviceId).eventProperty("text", "x".repeat(bytes)).build();
    }

    private static List<String> largeTypesSent(RecordingDestination destination) {
        return destination.deliveries().stream()
                .flatMap((delivery) -> delivery.events().stream())
                .map(Event::eventType)
                .filter((type) -> type.startsWith("large"))
                .distinct()
                .toList();
    }

    /** Returns the WARNs logged so far; the appender adds under its own lock, so the copy takes it too. */
    private List<String> warnings() {
        return logged(Level.WARN);
    }

    private List<String> logged(Level level) {
        List<ILoggingEvent> events;
        synchronized (this.logs) {
            events = List.copyOf(this.logs.list);
        }
        return events.stream()
                .filter((event) -> event.getLevel() == level)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void flappingDeviceLogsOneWarning() {
        AtomicInteger badCalls = new AtomicInteger();
        RecordingDestination destination = new RecordingDestination("first", (delivery) -> {
            boolean bad = delivery.events().stream().anyMatch((event) -> event.deviceId().orElse("").equals("device-bad"));
            return (bad && badCalls.getAndIncrement() < 3) ? Mono.error(new IllegalStateException("rejected"))
                    : Mono.just(DeliveryResult.delivered(delivery.size()));
        });
        this.pipeline = start(builder(destination)
                .retryPolicy(new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(200))));

        // The bad device fails three times while other devices succeed between its failures.
        submit(BRIDGE, List.of(Event.builder("bad").apiKey("key-a").deviceId("device-bad").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> badCalls.get() >= 1);
        while (badCalls.get() <= 3) {
            int delivered = destination.deliveries().size();
            submit(BRIDGE, events("key-a", 5));
            await().atMost(Duration.ofSeconds(10)).until(() -> destination.deliveries().size() > delivered);
        }

        assertThat(this.logs.list).filteredOn((event) -> event.getLevel() == Level.WARN).hasSize(1);
        assertThat(this.logs.list).filteredOn((event) -> event.getLevel() == Level.INFO).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void failingDestinationDoesNotStallAnother() {
        RecordingDestination failing = new RecordingDestination("failing",
                (delivery) -> Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ofSeconds(30)),
                        delivery.size())));
        RecordingDestination healthy = RecordingDestination.accepting("healthy");
        this.pipeline = start(builder(failing, healthy));

        for (int i = 0; i < 5; i++) {
            submit(BRIDGE, events("key-a", 4));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> healthy.deliveredEventTypes().size() == 20);
    }

    @Test
    void rejectsSubmissionWhenSpoolIsFull() {
        RecordingDestination stuck = new RecordingDestination("stuck", (delivery) -> Mono.never());
        this.pipeline = start(DispatchPipeline.builder()
                .spool(new MemorySpool(5, List.of(stuck.id())))
                .source(BRIDGE)
                .destination(stuck, FAST_BATCHES));
        Source source = this.pipeline.source(BRIDGE);

        submit(BRIDGE, events("key-a", 5));

        assertThatExceptionOfType(AcceptanceException.class)
                .isThrownBy(() -> source.submit(events("key-a", 1)).block(Duration.ofSeconds(5)))
                .satisfies((ex) -> assertThat(ex.reason()).isEqualTo(AcceptanceException.Reason.SPOOL_FULL));
    }

    @Test
    void reportsFullSpoolBeforeSubmission() {
        Sinks.One<DeliveryResult> answer = Sinks.one();
        RecordingDestination stuck = new RecordingDestination("stuck", (delivery) -> answer.asMono());
        this.pipeline = start(DispatchPipeline.builder()
                .spool(new MemorySpool(5, List.of(stuck.id())))
                .source(BRIDGE)
                .shutdownGracePeriod(Duration.ofMillis(100))
                .destination(stuck, FAST_BATCHES));
        Source source = this.pipeline.source(BRIDGE);
        submit(BRIDGE, events("key-a", 5));
        assertThat(source.overload()).isEmpty();

        assertThatExceptionOfType(AcceptanceException.class)
                .isThrownBy(() -> source.submit(events("key-a", 1)).block(Duration.ofSeconds(5)));

        assertThat(source.overload()).get().extracting(AcceptanceException::reason)
                .isEqualTo(AcceptanceException.Reason.SPOOL_FULL);
    }

    @Test
    void stopsReportingFullSpoolOnceBacklogShrinks() {
        Sinks.One<Boolean> release = Sinks.one();
        RecordingDestination stuck = new RecordingDestination("stuck", (delivery) -> release.asMono()
                .map((released) -> DeliveryResult.delivered(delivery.size())));
        this.pipeline = start(DispatchPipeline.builder()
                .spool(new MemorySpool(5, List.of(stuck.id())))
                .source(BRIDGE)
                .destination(stuck, FAST_BATCHES));
        Source source = this.pipeline.source(BRIDGE);
        submit(BRIDGE, events("key-a", 5));
        assertThatExceptionOfType(AcceptanceException.class)
                .isThrownBy(() -> source.submit(events("key-a", 1)).block(Duration.ofSeconds(5)));

        release.tryEmitValue(true);

        await().atMost(Duration.ofSeconds(10)).until(() -> source.overload().isEmpty());
        submit(BRIDGE, events("key-a", 1));
    }

    @Test
    void reportsFullQueueBeforeSubmission() {
        this.pipeline = DispatchPipeline.builder()
                .spool(new MemorySpool(100, List.of(DestinationId.of("first"))))
                .source(BRIDGE)
                .sourceQueueCapacity(1)
                .destination(RecordingDestination.accepting("first"), FAST_BATCHES)
                .build();
        Source source = this.pipeline.source(BRIDGE);

        source.submit(events("key-a", 1)).subscribe();

        assertThat(source.overload()).get().extracting(AcceptanceException::reason)
                .isEqualTo(AcceptanceException.Reason.QUEUE_FULL);
    }

    @Test
    void gaugesQueuedSubmissions() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        this.pipeline = DispatchPipeline.builder()
                .spool(new MemorySpool(100, List.of(DestinationId.of("first"))))
                .source(BRIDGE)
                .destination(RecordingDestination.accepting("first"), FAST_BATCHES)
                .meterRegistry(meters)
                .build();

        // Not started, so both submissions wait in the queue.
        this.pipeline.source(BRIDGE).submit(events("key-a", 3)).subscribe();
        this.pipeline.source(BRIDGE).submit(events("key-b", 1)).subscribe();

        assertThat(meters.get(PipelineMetrics.SOURCE_QUEUED).tag("source", BRIDGE.value()).gauge().value())
                .isEqualTo(2);
    }

    @Test
    void rejectsUnknownSource() {
        this.pipeline = start(builder(RecordingDestination.accepting("first")));

        assertThatExceptionOfType(IllegalArgumentException.class)
                .isThrownBy(() -> this.pipeline.source(SourceId.of("unknown")));
    }

    @Test
    void heldBytesDefaultScalesWithHeap() {
        long megabyte = 1024 * 1024;

        assertThat(DispatchPipeline.Builder.defaultMaxHeldBytes(16 * megabyte)).isEqualTo(megabyte);
        assertThat(DispatchPipeline.Builder.defaultMaxHeldBytes(64 * megabyte)).isEqualTo(2 * megabyte);
        assertThat(DispatchPipeline.Builder.defaultMaxHeldBytes(4096 * megabyte)).isEqualTo(8 * megabyte);
    }

    private static DispatchPipeline.Builder builder(RecordingDestination... destinations) {
        DispatchPipeline.Builder builder = DispatchPipeline.builder()
                .spool(new MemorySpool(1000, List.of(destinations).stream().map(RecordingDestination::id).toList()))
                .source(BRIDGE)
                .source(SDK)
                .retryPolicy(FAST_RETRIES);
        for (RecordingDestination destination : destinations) {
            builder.destination(destination, FAST_BATCHES);
        }
        return builder;
    }

    private static DispatchPipeline start(DispatchPipeline.Builder builder) {
        DispatchPipeline pipeline = builder.build();
        pipeline.start();
        return pipeline;
    }

    private void submit(SourceId source, List<Event> events) {
        Acceptance acceptance = this.pipeline.source(source).submit(events).block(Duration.ofSeconds(5));
        assertThat(acceptance).isEqualTo(new Acceptance(events.size()));
    }

    private static List<Event> events(String apiKey, int count) {
        return IntStream.range(0, count)
                .mapToObj((i) -> Event.builder("event-" + i).context(RequestContext.of(apiKey)).deviceId("device-1").build())
                .toList();
    }

}
