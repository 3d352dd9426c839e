package io.eventrouter.core.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.MVStoreSpool;
import io.eventrouter.core.spool.MemorySpool;
import io.eventrouter.core.spool.Spool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PipelineAcceptanceTests {

    private static final SourceId SOURCE = SourceId.of("client-bridge");

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private final RecordingDestination destination = new RecordingDestination("recording");

    private DispatchPipeline pipeline;

    private Spool spool;

    private final Logger pipelineLogger = (Logger) LoggerFactory.getLogger(DispatchPipeline.class);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @AfterEach
    void stop() {
        this.pipelineLogger.detachAppender(this.logs);
        if (this.pipeline != null) {
            this.pipeline.close();
        }
        if (this.spool != null) {
            this.spool.close();
        }
    }

    @Test
    void givesAnInsertIdToEveryEventWithoutOne() {
        Source source = start(memorySpool());

        source.submit(List.of(Event.builder("played").apiKey("key-1234567890").build())).block(WAIT);

        await().atMost(WAIT).until(() -> this.destination.received.size() == 1);
        assertThat(this.destination.received.peek().insertId()).hasValueSatisfying((id) -> assertThat(id).hasSize(36));
    }

    @Test
    void stampsEventsWithoutTime() {
        Source source = start(memorySpool());
        long before = System.currentTimeMillis();

        source.submit(List.of(Event.builder("played").apiKey("key-1234567890").insertId("untimed").build(),
                Event.builder("played").apiKey("key-1234567890").insertId("timed").time(1_700_000_000_000L).build()))
                .block(WAIT);

        await().atMost(WAIT).until(() -> this.destination.received.size() == 2);
        assertThat(this.destination.received).extracting((received) -> received.time().orElseThrow())
                .satisfiesExactly((time) -> assertThat(time).isBetween(before, System.currentTimeMillis()),
                        (time) -> assertThat(time).isEqualTo(1_700_000_000_000L));
    }

    @Test
    void countsAResentEventAsIngestedAndDispatchesItOnce() {
        Source source = start(memorySpool());
        Event event = event("device-1", "insert-1");

        Acceptance first = source.submit(List.of(event)).block(WAIT);
        Acceptance resent = source.submit(List.of(event, event("device-1", "insert-2"))).block(WAIT);

        assertThat(first).isEqualTo(new Acceptance(1, 0));
        assertThat(resent).isEqualTo(new Acceptance(1, 1));
        assertThat(resent.ingested()).isEqualTo(2);
        await().atMost(WAIT).until(() -> this.destination.received.size() == 2);
        assertThat(this.destination.received).extracting((received) -> received.insertId().orElseThrow())
                .containsExactly("insert-1", "insert-2");
    }

    @Test
    void treatsTheSameInsertIdFromAnotherDeviceAsANewEvent() {
        Source source = start(memorySpool());

        source.submit(List.of(event("device-1", "insert-1"))).block(WAIT);
        Acceptance other = source.submit(List.of(event("device-2", "insert-1"))).block(WAIT);

        assertThat(other).isEqualTo(new Acceptance(1, 0));
    }

    @Test
    void acceptsAnEventAgainAfterTheSpoolRejectedIt() {
        MemorySpool full = new MemorySpool(1, List.of(this.destination.id()));
        this.destination.down.set(true);
        Source source = start(full);
        source.submit(List.of(event("device-1", "insert-1"))).block(WAIT);

        assertThatThrownBy(() -> source.submit(List.of(event("device-1", "insert-2"))).block(WAIT))
                .isInstanceOf(AcceptanceException.class);
        this.destination.down.set(false);
        await().atMost(WAIT).until(() -> full.backlog(this.destination.id()) == 0);

        assertThat(source.submit(List.of(event("device-1", "insert-2"))).block(WAIT))
                .isEqualTo(new Acceptance(1, 0));
    }

    @Test
    void deliversTheBacklogBeforeClosing() {
        Source source = start(memorySpool());
        this.destination.slow.set(true);
        for (int i = 0; i < 20; i++) {
            source.submit(List.of(event("device-1", "insert-" + i))).block(WAIT);
        }

        this.pipeline.close();

        assertThat(this.destination.received).hasSize(20);
        assertThatThrownBy(() -> source.submit(List.of(event("device-1", "late"))).block(WAIT))
                .isInstanceOfSatisfying(AcceptanceException.class,
                        (ex) -> assertThat(ex.reason()).isEqualTo(AcceptanceException.Reason.NOT_RUNNING));
    }

    @Test
    void keepsWhatItCouldNotDeliverWithinTheGracePeriodForTheNextStart() {
        this.destination.down.set(true);
        Source source = startOnFileSpool();
        source.submit(List.of(event("device-1", "insert-1"), event("device-1", "insert-2"))).block(WAIT);
        captureLogs();
        stopPipelineAndSpool();

        assertThat(this.logs.list).filteredOn((log) -> log.getLevel() == Level.INFO)
                .extracting(ILoggingEvent::getFormattedMessage)
                .contains("Destination stopped with undelivered events, which the spool keeps for the next start: "
                        + "destination_id=recording events=2", "Pipeline stopped: undelivered=2");
        this.destination.down.set(false);
        startOnFileSpool();

        // Delivery is at least once, so count distinct events: a retry timer of the closed
        // pipeline may still deliver once the destination is back.
        await().atMost(WAIT).until(() -> this.destination.received.stream()
                .map((event) -> event.insertId().orElseThrow())
                .distinct()
                .count() == 2);
    }

    @Test
    void memorySpoolStopWarnsOfLoss() {
        this.destination.down.set(true);
        Source source = start(memorySpool());
        source.submit(List.of(event("device-1", "insert-1"))).block(WAIT);
        captureLogs();

        this.pipeline.close();

        assertThat(this.logs.list).filteredOn((log) -> log.getLevel() == Level.WARN).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage)
                .isEqualTo("Destination stopped with undelivered events, which are lost with the in-memory spool: "
                        + "destination_id=recording events=1");
    }

    @Test
    void recognisesResendsAfterARestart() {
        this.destination.down.set(true);
        Source source = startOnFileSpool();
        source.submit(List.of(event("device-1", "insert-1"), event("device-1", "insert-2"))).block(WAIT);
        stopPipelineAndSpool();

        Source restarted = startOnFileSpool();
        Acceptance resent = restarted.submit(List.of(event("device-1", "insert-2"), event("device-1", "insert-3")))
                .block(WAIT);

        assertThat(resent).isEqualTo(new Acceptance(1, 1));
    }

    @Test
    void recognisesResendsOfStitchedEventsAfterARestart() {
        this.destination.down.set(true);
        EventTransformer stitching = (source, events) -> Mono.just(events.stream()
                .map((event) -> event.deviceId().isPresent() ? event : event.with(EventField.DEVICE_ID, "device-1"))
                .toList());
        Event userOnly = Event.builder("played").apiKey("key-1234567890").userId("user-1").insertId("insert-1").build();
        Source source = startOnFileSpool(stitching);
        source.submit(List.of(userOnly)).block(WAIT);
        stopPipelineAndSpool();

        Source restarted = startOnFileSpool(stitching);
        Acceptance resent = restarted.submit(List.of(userOnly)).block(WAIT);

        assertThat(resent).isEqualTo(new Acceptance(0, 1));
    }

    @Test
    void keepsTheBacklogOfADestinationThatIsDownWithoutHoldingBackTheOthers() {
        RecordingDestination down = new RecordingDestination("down");
        down.down.set(true);
        this.spool = MVStoreSpool.builder(this.directory).destinations(List.of(this.destination.id(), down.id())).build();
        this.pipeline = DispatchPipeline.builder()
                .spool(this.spool)
                .source(SOURCE)
                .destination(this.destination, new BatchPolicy(5, Duration.ofMillis(10)))
                .destination(down, new BatchPolicy(5, Duration.ofMillis(10)))
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(10), Duration.ofMillis(50)))
                .shutdownGracePeriod(Duration.ofMillis(100))
                .build();
        this.pipeline.start();

        for (int i = 0; i < 50; i++) {
            this.pipeline.source(SOURCE).submit(List.of(event("device-1", "insert-" + i))).block(WAIT);
        }

        await().atMost(WAIT).until(() -> this.destination.received.size() == 50);
        assertThat(this.spool.backlog(down.id())).isEqualTo(50);
        assertThat(this.spool.backlog(this.destination.id())).isZero();
    }

    private void captureLogs() {
        this.logs.start();
        this.pipelineLogger.addAppender(this.logs);
    }

    private Spool memorySpool() {
        return new MemorySpool(1000, List.of(this.destination.id()));
    }

    /** Starts a pipeline on the file spool in {@link #directory}, the one a restart reopens. */
    private Source startOnFileSpool(EventTransformer... transformers) {
        return start(MVStoreSpool.builder(this.directory).destinations(List.of(this.destination.id())).build(),
                transformers);
    }

    private void stopPipelineAndSpool() {
        this.pipeline.close();
        this.spool.close();
    }

    private Source start(Spool spool, EventTransformer... transformers) {
        this.spool = spool;
        DispatchPipeline.Builder builder = DispatchPipeline.builder();
        for (EventTransformer transformer : transformers) {
            builder.transformer(transformer);
        }
        this.pipeline = builder
                .spool(spool)
                .source(SOURCE)
                .destination(this.destination, new BatchPolicy(5, Duration.ofMillis(10)))
                .retryPolicy(new RetryPolicy(1000, Duration.ofMillis(10), Duration.ofMillis(50)))
                .shutdownGracePeriod(Duration.ofMillis(500))
                .build();
        this.pipeline.start();
        return this.pipeline.source(SOURCE);
    }

    private static Event event(String deviceId, String insertId) {
        return Event.builder("played").apiKey("key-1234567890").deviceId(deviceId).insertId(insertId).build();
    }

    /** Records delivered events; while down it fails every delivery, while slow it takes a few ms. */
    private static final class RecordingDestination implements Destination {

        final DestinationId id;

        final Queue<Event> received = new ConcurrentLinkedQueue<>();

        final AtomicBoolean down = new AtomicBoolean();

        final AtomicBoolean slow = new AtomicBoolean();

        RecordingDestination(String id) {
            this.id = DestinationId.of(id);
        }

        @Override
        public DestinationId id() {
            return this.id;
        }

        @Override
        public Mono<DeliveryResult> deliver(Delivery delivery) {
            if (this.down.get()) {
                return Mono.error(new IllegalStateException("destination down"));
            }
            Mono<DeliveryResult> result = Mono.fromSupplier(() -> {
                this.received.addAll(delivery.events());
                return DeliveryResult.delivered(delivery.size());
            });
            return this.slow.get() ? result.delaySubscription(Duration.ofMillis(20)) : result;
        }

    }

}
