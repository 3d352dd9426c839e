package io.eventrouter.web.metrics;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.PublisherStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Registers the meters of the router's in-process server SDK: {@code router.sdk.events} by
 * outcome and {@code router.sdk.pending}. Every value is read when the registry polls, so nothing
 * is counted twice. The pipeline registers its own meters, the backlog per destination among them.
 */
public class RouterMeterBinder implements MeterBinder {

    private final EventPublisher publisher;

    public RouterMeterBinder(EventPublisher publisher) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
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
