package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.Spool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The pipeline's meters. Tags come only from small fixed sets: source id, destination id,
 * reason and outcome, never an API key or an id a client chooses.
 *
 * <p>Counters are looked up per call; Micrometer returns the registered meter, so the cost is a
 * map lookup, paid once per batch and not per event.
 */
final class PipelineMetrics {

    static final String RECEIVED = "router.events.received";

    static final String ACCEPTED = "router.events.accepted";

    static final String REJECTED = "router.events.rejected";

    static final String DEDUPLICATED = "router.events.deduplicated";

    static final String DELIVERED = "router.events.delivered";

    static final String RETRIED = "router.events.retried";

    static final String DEAD_LETTERED = "router.events.dead.lettered";

    static final String BACKLOG = "router.destination.backlog";

    static final String DEAD_LETTERS_STORED = "router.dead.letters.stored";

    static final String SOURCE_QUEUED = "router.source.queued";

    static final String DELIVERY_LATENCY = "router.delivery.latency";

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            RECEIVED, "Events handed to the router: the accepted, deduplicated and rejected ones",
            ACCEPTED, "Events appended to the spool",
            REJECTED, "Events the router turned away, by reason",
            DEDUPLICATED, "Resent events set aside as duplicates",
            DELIVERED, "Events a destination took",
            RETRIED, "Events scheduled for another delivery attempt",
            DEAD_LETTERED, "Events stored as dead letters, by reason");

    private final MeterRegistry registry;

    PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts events a source was handed, before the pipeline decides to take them. */
    void received(SourceId source, int count) {
        counter(RECEIVED, "source", source.value()).increment(count);
    }

    void accepted(SourceId source, int count) {
        counter(ACCEPTED, "source", source.value()).increment(count);
    }

    /** Counts events the pipeline did not take; {@code reason} comes from a fixed set. */
    void rejected(SourceId source, String reason, int count) {
        counter(REJECTED, "source", source.value(), "reason", reason).increment(count);
    }

    void deduplicated(SourceId source, int count) {
        counter(DEDUPLICATED, "source", source.value()).increment(count);
    }

    void delivered(SourceId source, DestinationId destination, int count) {
        counter(DELIVERED, "source", source.value(), "destination", destination.value()).increment(count);
    }

    /** Counts events scheduled for another delivery attempt. */
    void retried(SourceId source, DestinationId destination, int count) {
        counter(RETRIED, "source", source.value(), "destination", destination.value()).increment(count);
    }

    void deadLettered(SourceId source, DestinationId destination, String reason, int count) {
        counter(DEAD_LETTERED, "source", source.value(), "destination", destination.value(), "reason", reason)
                .increment(count);
    }

    /** Records how long one delivery took; {@code outcome} is delivered, partial or failed. */
    void deliveryLatency(DestinationId destination, String outcome, Duration duration) {
        Timer.builder(DELIVERY_LATENCY)
                .description("Time from sending a batch to a destination until its response")
                .tags("destination", destination.value(), "outcome", outcome)
                .register(this.registry)
                .record(duration);
    }

    /** Registers the gauge of events a destination has not acknowledged yet in the spool. */
    void backlog(Spool spool, DestinationId destination) {
        Gauge.builder(BACKLOG, spool, (measured) -> measured.backlog(destination))
                .description("Events the destination has not acknowledged in the spool")
                .tag("destination", destination.value())
                .register(this.registry);
    }

    /**
     * Registers the gauge of letters in the dead-letter store. It reads {@code stored}, which
     * the pipeline refreshes from the store, so that a scrape never waits for the store's I/O.
     */
    void deadLettersStored(AtomicLong stored) {
        Gauge.builder(DEAD_LETTERS_STORED, stored, AtomicLong::get)
                .description("Letters in the dead-letter store, of every destination, as last counted")
                .register(this.registry);
    }

    /** Registers the gauge of a source's submissions that wait for the acceptance stage. */
    void sourceQueue(SourceId source, Queue<?> queue) {
        Gauge.builder(SOURCE_QUEUED, queue, Queue::size)
                .description("Submissions (requests or SDK batches) waiting in the source's queue to be spooled")
                .tag("source", source.value())
                .register(this.registry);
    }

    /** Registers a source's counters, so that they read 0 before its first event. */
    void register(SourceId source) {
        counter(RECEIVED, "source", source.value());
        counter(ACCEPTED, "source", source.value());
        counter(DEDUPLICATED, "source", source.value());
    }

    private Counter counter(String name, String... tags) {
        return Counter.builder(name).description(DESCRIPTIONS.get(name)).tags(tags).register(this.registry);
    }

}
