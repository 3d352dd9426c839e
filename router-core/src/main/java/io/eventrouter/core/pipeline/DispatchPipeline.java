package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.Spool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The one path every event takes: sources, merged into a single flow; the acceptance stage, which
 * applies the {@link EventTransformer}s, appends each submission to the {@link Spool} and only
 * then confirms it to its source; and one dispatcher per destination, which reads the spool
 * through its own cursor.
 *
 * <pre>
 * source ─┐                               ┌─ dispatcher ─ batch ─ deliver ─ retry ─▶ destination
 * source ─┼─ merge ─ acceptance ─ spool ──┤
 * source ─┘                               └─ dispatcher ─ batch ─ deliver ─ retry ─▶ destination
 * </pre>
 *
 * <p>Every queue is bounded: each source's queue, the appends in flight, the spool. When one is
 * full a submission fails with {@link io.eventrouter.core.source.AcceptanceException} instead of
 * waiting, so overload reaches clients as a retryable answer and never as heap growth.
 */
public final class DispatchPipeline implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DispatchPipeline.class);

    private final Spool spool;

    private final Map<SourceId, PipelineSource> sources;

    private final List<DestinationDispatcher> dispatchers;

    private final int maxAppendsInFlight;

    private final List<EventTransformer> transformers;

    private @Nullable Disposable running;

    private DispatchPipeline(Builder builder) {
        this.spool = Objects.requireNonNull(builder.spool, "spool");
        this.sources = new LinkedHashMap<>();
        builder.sources.forEach((id) -> this.sources.put(id, new PipelineSource(id, builder.sourceQueueCapacity)));
        this.dispatchers = builder.destinations.stream()
                .map((destination) -> new DestinationDispatcher(destination.destination(), destination.batchPolicy(),
                        builder.retryPolicy, builder.deliveryTimeout, this.spool))
                .toList();
        this.maxAppendsInFlight = builder.maxAppendsInFlight;
        this.transformers = List.copyOf(builder.transformers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the registered source with this id.
     *
     * @throws IllegalArgumentException when no such source was registered
     */
    public Source source(SourceId id) {
        PipelineSource source = this.sources.get(id);
        if (source == null) {
            throw new IllegalArgumentException("Source '" + id + "' is not registered; registered: "
                    + this.sources.keySet());
        }
        return source;
    }

    public List<DestinationId> destinations() {
        return this.dispatchers.stream().map(DestinationDispatcher::id).toList();
    }

    /** Starts accepting and dispatching. Submissions made before the start wait in their queues. */
    public synchronized void start() {
        if (this.running != null) {
            throw new IllegalStateException("The pipeline is already started");
        }
        Disposable.Composite running = Disposables.composite();
        running.add(acceptance());
        this.dispatchers.forEach((dispatcher) -> running.add(dispatcher.start()));
        this.running = running;
        logger.info("Pipeline started: sources={} destinations={}", this.sources.keySet(), destinations());
    }

    private Disposable acceptance() {
        List<Flux<Submission>> inputs = this.sources.values().stream().map(PipelineSource::submissions).toList();
        return Flux.merge(inputs)
                .flatMap(this::accept, this.maxAppendsInFlight)
                .subscribe(null, (error) -> logger.error("Acceptance stage stopped", error));
    }

    private Mono<Void> accept(Submission submission) {
        return transform(submission)
                .flatMap((events) -> this.spool.append(submission.source(), events))
                .doOnSuccess((done) -> submission.result().success(new Acceptance(submission.events().size())))
                .onErrorResume((error) -> {
                    submission.result().error(error);
                    return Mono.empty();
                });
    }

    private Mono<List<Event>> transform(Submission submission) {
        Mono<List<Event>> events = Mono.just(submission.events());
        for (EventTransformer transformer : this.transformers) {
            events = events.flatMap((input) -> transformer.transform(submission.source(), input));
        }
        return events;
    }

    /** Stops accepting and dispatching. Events already in the spool stay there. */
    @Override
    public synchronized void close() {
        this.sources.values().forEach(PipelineSource::stop);
        if (this.running != null) {
            this.running.dispose();
            this.running = null;
            logger.info("Pipeline stopped");
        }
    }

    /** Collects a pipeline's parts; {@link #build()} checks that they fit together. */
    public static final class Builder {

        private @Nullable Spool spool;

        private final List<SourceId> sources = new ArrayList<>();

        private final List<DestinationSettings> destinations = new ArrayList<>();

        private RetryPolicy retryPolicy = RetryPolicy.defaults();

        private Duration deliveryTimeout = Duration.ofSeconds(30);

        private int sourceQueueCapacity = 1024;

        private int maxAppendsInFlight = 256;

        private final List<EventTransformer> transformers = new ArrayList<>();

        private Builder() {
        }

        public Builder spool(Spool spool) {
            this.spool = Objects.requireNonNull(spool, "spool");
            return this;
        }

        public Builder source(SourceId id) {
            this.sources.add(Objects.requireNonNull(id, "id"));
            return this;
        }

        public Builder destination(Destination destination, BatchPolicy batchPolicy) {
            this.destinations.add(new DestinationSettings(destination, batchPolicy));
            return this;
        }

        /**
         * Adds a transformer that the acceptance stage applies to every submission before it
         * appends the events to the spool; transformers run in the order they were added.
         */
        public Builder transformer(EventTransformer transformer) {
            this.transformers.add(Objects.requireNonNull(transformer, "transformer"));
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /** Sets how long one delivery may take before it counts as failed and is retried. */
        public Builder deliveryTimeout(Duration deliveryTimeout) {
            if (deliveryTimeout.isNegative() || deliveryTimeout.isZero()) {
                throw new IllegalArgumentException("deliveryTimeout must be positive, but was " + deliveryTimeout);
            }
            this.deliveryTimeout = deliveryTimeout;
            return this;
        }

        /** Sets how many submissions each source queues in front of the acceptance stage. */
        public Builder sourceQueueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("sourceQueueCapacity must be at least 1, but was " + capacity);
            }
            this.sourceQueueCapacity = capacity;
            return this;
        }

        /** Sets how many spool appends may wait for their durability at once. */
        public Builder maxAppendsInFlight(int maxAppendsInFlight) {
            if (maxAppendsInFlight < 1) {
                throw new IllegalArgumentException("maxAppendsInFlight must be at least 1, but was "
                        + maxAppendsInFlight);
            }
            this.maxAppendsInFlight = maxAppendsInFlight;
            return this;
        }

        public DispatchPipeline build() {
            if (this.spool == null) {
                throw new IllegalStateException("A pipeline needs a spool");
            }
            if (this.sources.isEmpty()) {
                throw new IllegalStateException("A pipeline needs at least one source");
            }
            if (this.destinations.isEmpty()) {
                throw new IllegalStateException("A pipeline needs at least one destination");
            }
            requireUnique(this.sources, "source");
            requireUnique(this.destinations.stream().map((settings) -> settings.destination().id()).toList(),
                    "destination");
            return new DispatchPipeline(this);
        }

        private static void requireUnique(List<?> ids, String kind) {
            if (ids.stream().distinct().count() != ids.size()) {
                throw new IllegalStateException("Each " + kind + " id must be unique, but got " + ids);
            }
        }

    }

    private record DestinationSettings(Destination destination, BatchPolicy batchPolicy) {

        DestinationSettings {
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(batchPolicy, "batchPolicy");
        }

    }

}
