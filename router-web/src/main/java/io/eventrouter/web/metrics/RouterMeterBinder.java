package io.eventrouter.web.metrics;

import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.spool.Spool;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.PublisherStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Registers the router's meters: {@code router.spool.backlog} per destination, and the server
 * SDK's {@code router.sdk.events} by outcome and {@code router.sdk.pending}. Every value is read
 * when the registry polls, so nothing is counted twice.
 */
public class RouterMeterBinder implements MeterBinder {

    private final Spool spool;

    private final List<DestinationId> destinations;

    private final EventPublisher publisher;

    public RouterMeterBinder(Spool spool, List<DestinationId> destinations, EventPublisher publisher) {
        this.spool = Objects.requireNonNull(spool, "spool");
        this.destinations = List.copyOf(destinations);
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (DestinationId destination : this.destinations) {
            Gauge.builder("router.spool.backlog", this.spool, (spool) -> spool.backlog(destination))
                    .description("Events the destination has not acknowledged yet")
                    .tag("destination", destination.value())
                    .register(registry);
        }
        sdkCounter(registry, "accepted", PublisherStats::accepted);
        sdkCounter(registry, "failed", PublisherStats::failed);
        sdkCounter(registry, "dropped", PublisherStats::dropped);
        Gauge.builder("router.sdk.pending", this.publisher, (publisher) -> publisher.stats().pending())
                .description("Events published by the server SDK and not yet accepted or failed")
                .register(registry);
    }

    private void sdkCounter(MeterRegistry registry, String outcome, ToDoubleFunction<PublisherStats> count) {
        FunctionCounter.builder("router.sdk.events", this.publisher, (publisher) -> count.applyAsDouble(publisher.stats()))
                .description("Events published by the server SDK, by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

}
