package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.eventrouter.core.deadletter.DeadLetterStore;
import io.eventrouter.core.deadletter.MVStoreDeadLetterStore;
import io.eventrouter.core.deadletter.StoredDeadLetter;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.Spool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
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
 * waiting, so overload reaches clients as a retryable response and never as heap growth.
 */
public final class DispatchPipeline implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DispatchPipeline.class);

    /** The default maximum wait between two probes of a destination that looks down. */
    public static final Duration DEFAULT_MAX_PROBE_INTERVAL = Duration.ofSeconds(15);

    private static final Duration DRAIN_CHECK_INTERVAL = Duration.ofMillis(50);

    private final Spool spool;

    private final Map<SourceId, PipelineSource> sources;

    private final List<DestinationDispatcher> dispatchers;

    private final SpoolPressure spoolPressure;

    private final int maxAppendsInFlight;

    private final DuplicateWindow duplicates;

    private final Duration shutdownGracePeriod;

    private final DeadLetterStore deadLetters;

    private final PipelineMetrics metrics;

    /** The letters in the dead-letter store as last counted, for the gauge. */
    private final AtomicLong storedDeadLetters = new AtomicLong();

    private final Duration deadLetterCountInterval;

    private final List<EventTransformer> transformers;

    private @Nullable Disposable running;

    /** Completes when the acceptance stage has settled every submission after the sources stopped. */
    private final CountDownLatch acceptanceStopped = new CountDownLatch(1);

    private DispatchPipeline(Builder builder) {
        this.spool = Objects.requireNonNull(builder.spool, "spool");
        this.deadLetters = (builder.deadLetters != null) ? builder.deadLetters : MVStoreDeadLetterStore.inMemory();
        this.metrics = new PipelineMetrics(builder.meterRegistry);
        this.sources = new LinkedHashMap<>();
        this.spoolPressure = new SpoolPressure(this.spool,
                builder.destinations.stream().map((destination) -> destination.destination().id()).toList());
        builder.sources.forEach((id) -> this.sources.put(id,
                new PipelineSource(id, builder.sourceQueueCapacity, this.metrics, this.spoolPressure)));
        this.dispatchers = builder.destinations.stream()
                .map((destination) -> new DestinationDispatcher(destination.destination(), destination.batchPolicy(),
                        builder.retryPolicy, builder.deliveryTimeout, this.spool, this.deadLetters, this.metrics,
                        builder.maxHeldEvents, builder.maxHeldBytes, builder.maxDeliveriesInFlight,
                        builder.maxProbeInterval, builder.failureWarningInterval))
                .toList();
        this.dispatchers.forEach((dispatcher) -> this.metrics.backlog(this.spool, dispatcher.id()));
        this.metrics.deadLettersStored(this.storedDeadLetters);
        this.deadLetterCountInterval = builder.deadLetterCountInterval;
        this.maxAppendsInFlight = builder.maxAppendsInFlight;
        this.duplicates = new DuplicateWindow(builder.duplicateWindowSize, builder.duplicateWindowMaxAge);
        this.shutdownGracePeriod = builder.shutdownGracePeriod;

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

    /**
     * Returns how the destination's deliveries fare: whether the latest failed, since when and why.
     *
     * @throws IllegalArgumentException when the destination is not part of the pipeline
     */
    public DestinationStatus status(DestinationId destination) {
        return dispatcher(destination).status();
    }

    /** Returns the store of events the pipeline gave up on. */
    public DeadLetterStore deadLetters() {
        return this.deadLetters;
    }

    /**
     * Delivers dead letters of one destination again. Each letter leaves the store once the
     * destination took its event; one refused again is stored anew with the new reason. Replayed
     * events keep no place in their device's order.
     *
     * @return how many letters were queued; letters already being replayed are not counted
     * @throws IllegalArgumentException when the destination is not part of the pipeline, or a
     *         letter belongs to another destination
     */
    public Mono<Integer> replay(DestinationId destination, List<StoredDeadLetter> letters) {
        DestinationDispatcher dispatcher = dispatcher(destination);
        for (StoredDeadLetter letter : letters) {
            if (!letter.deadLetter().destination().equals(destination)) {
                throw new IllegalArgumentException("Dead letter " + letter.id() + " belongs to destination '"
                        + letter.deadLetter().destination() + "', not '" + destination + "'");
            }
        }
        return dispatcher.replay(letters);
    }

    private DestinationDispatcher dispatcher(DestinationId destination) {
        return this.dispatchers.stream()
                .filter((candidate) -> candidate.id().equals(destination))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Destination '" + destination
                        + "' is not part of the pipeline; destinations: " + destinations()));
    }

    /** Starts accepting and dispatching. Submissions made before the start wait in their queues. */
    public synchronized void start() {
        if (this.running != null) {
            throw new IllegalStateException("The pipeline is already started");
        }
        restoreDuplicateWindow();
        Disposable.Composite running = Disposables.composite();
        running.add(acceptance());
        this.dispatchers.forEach((dispatcher) -> running.add(dispatcher.start()));
        running.add(countDeadLetters());
        this.running = running;
        Map<String, Long> backlogs = new LinkedHashMap<>();
        destinations().forEach((destination) -> backlogs.put(destination.value(), this.spool.backlog(destination)));
        logger.info("Pipeline started: sources={} destinations={} backlog={}", this.sources.keySet(), destinations(),
                backlogs);
    }

    /**
     * Fills the duplicate window with the newest events the spool still contains, so that a
     * client resending an upload whose response a crash cut off gets it counted as a duplicate.
     * The window records them as accepted now, so they stay in it up to its maximum age from
     * the start. A failure only costs that recognition, so it is logged and the start goes on.
     */
    private void restoreDuplicateWindow() {
        long started = System.nanoTime();
        int capacity = this.duplicates.capacity();
        long[] fingerprints = new long[2 * capacity];
        int[] keys = { 0 };
        int[] events = { 0 };
        try {
            this.spool.forEachNewest(capacity, (event) -> {
                long fingerprint = DuplicateWindow.fingerprint(event);
                if (fingerprint == DuplicateWindow.EMPTY) {
                    return;
                }
                // Stitching may have added the device id after the window recorded the event
                // under its user id, so an event with both ids is recorded under both keys.
                long userFingerprint = event.deviceId().isPresent() ? DuplicateWindow.userFingerprint(event)
                        : DuplicateWindow.EMPTY;
                if (userFingerprint != DuplicateWindow.EMPTY) {
                    fingerprints[keys[0]++] = userFingerprint;
                }
                fingerprints[keys[0]++] = fingerprint;
                events[0]++;
            });
        }
        catch (RuntimeException ex) {
            logger.warn("Failed to read the newest spooled events, so resends of them count as new: events_read={}",
                    events[0], ex);
        }
        // Oldest first, so that the window evicts them in the order they were accepted.
        for (int index = keys[0] - 1; index >= 0; index--) {
            this.duplicates.claim(fingerprints[index]);
        }
        if (keys[0] > 0) {
            logger.info("Duplicate window restored from the spool: events={} keys={} millis={}", events[0], keys[0],
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
    }

    /**
     * Counts the stored dead letters now and then at each interval, for the gauge. The count
     * runs on the store's threads. A failed count keeps the last value until the next interval.
     */
    private Disposable countDeadLetters() {
        return Flux.interval(Duration.ZERO, this.deadLetterCountInterval)
                .onBackpressureDrop()
                .concatMap((tick) -> this.deadLetters.count(null).onErrorResume((error) -> {
                    logger.debug("Failed to count the stored dead letters: error={}", error.toString());
                    return Mono.empty();
                }), 1)
                .subscribe(this.storedDeadLetters::set);
    }

    private Disposable acceptance() {
        List<Flux<Submission>> inputs = this.sources.values().stream().map(PipelineSource::submissions).toList();
        return Flux.merge(inputs)
                .flatMap(this::accept, this.maxAppendsInFlight)
                .doFinally((signal) -> this.acceptanceStopped.countDown())
                .subscribe(null, (error) -> logger.error("Acceptance stage stopped", error));
    }

    /**
     * Gives every event an insert id and a time, sets resends aside as duplicates and appends
     * the rest to the spool. The window claims keys before the append, so two racing uploads of
     * one event append it once. The keys of a failed append are released, so that the retry is
     * accepted.
     */
    private Mono<Void> accept(Submission submission) {
        List<Event> fresh = new ArrayList<>(submission.events().size());
        List<Long> claimed = new ArrayList<>();
        // Amplitude gives an event without a time the time of its upload. The router's upload
        // may come hours later, after an outage, so the event gets the time the router took it.
        long acceptedAt = System.currentTimeMillis();
        for (Event received : submission.events()) {
            Event event = received.time().isPresent() ? received : received.with(EventField.TIME, acceptedAt);
            long fingerprint = DuplicateWindow.fingerprint(event);
            if (fingerprint == DuplicateWindow.EMPTY) {
                fresh.add(event.with(EventField.INSERT_ID, UUID.randomUUID().toString()));
            }
            else if (this.duplicates.claim(fingerprint)) {
                claimed.add(fingerprint);
                fresh.add(event);
            }
        }
        int duplicates = submission.events().size() - fresh.size();
        Acceptance acceptance = new Acceptance(fresh.size(), duplicates);
        return transform(submission.source(), fresh)
                .flatMap((events) -> this.spool.append(submission.source(), events))
                .doOnSuccess((done) -> {
                    this.metrics.accepted(submission.source(), fresh.size());
                    if (duplicates > 0) {
                        this.metrics.deduplicated(submission.source(), duplicates);
                    }
                    submission.result().success(acceptance);
                })
                .onErrorResume((error) -> {
                    claimed.forEach(this.duplicates::release);
                    this.spoolPressure.appendFailed(error);
                    this.metrics.rejected(submission.source(), rejectionReason(error), fresh.size());
                    submission.result().error(error);
                    return Mono.empty();
                });
    }

    private static String rejectionReason(Throwable error) {
        return (error instanceof AcceptanceException rejection) ? rejectionReason(rejection.reason()) : "error";
    }

    /** Returns the metric tag of a rejection reason, such as {@code queue-full}. */
    static String rejectionReason(AcceptanceException.Reason reason) {
        return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }


    /** Runs the transformers in order, such as identity stitching, before the events reach the spool. */
    private Mono<List<Event>> transform(SourceId source, List<Event> fresh) {
        Mono<List<Event>> events = Mono.just(fresh);
        for (EventTransformer transformer : this.transformers) {
            events = events.flatMap((input) -> transformer.transform(source, input));
        }
        return events;
    }

    /**
     * Stops gracefully: stops accepting, settles the submissions already queued, then lets every
     * destination deliver its backlog for up to the shutdown grace period, and stops dispatching.
     * What is not delivered by then stays in the spool for the next start.
     */
    @Override
    public synchronized void close() {
        this.sources.values().forEach(PipelineSource::stop);
        if (this.running == null) {
            return;
        }
        long deadline = System.nanoTime() + this.shutdownGracePeriod.toNanos();
        logger.info("Pipeline draining: grace_period={}", this.shutdownGracePeriod);
        try {
            this.acceptanceStopped.await(this.shutdownGracePeriod.toNanos(), TimeUnit.NANOSECONDS);
            while (backlog() > 0 && System.nanoTime() < deadline) {
                // Deliveries settle on their own threads; checking the backlog now and then is enough here.
                Thread.sleep(DRAIN_CHECK_INTERVAL.toMillis());
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.running.dispose();
        this.running = null;
        logUndelivered();
    }

    private void logUndelivered() {
        long undelivered = 0;
        for (DestinationId destination : destinations()) {
            long backlog = this.spool.backlog(destination);
            if (backlog == 0) {
                continue;
            }
            undelivered += backlog;
            if (this.spool.keepsEventsAcrossRestarts()) {
                logger.info("Destination stopped with undelivered events, which the spool keeps for the next start: "
                        + "destination_id={} events={}", destination, backlog);
            }
            else {
                logger.warn("Destination stopped with undelivered events, which are lost with the in-memory spool: "
                        + "destination_id={} events={}", destination, backlog);
            }
        }
        logger.info("Pipeline stopped: undelivered={}", undelivered);
    }

    /**
     * Returns how many events wait in the spool for the destination.
     *
     * @throws IllegalArgumentException when the destination is not part of the pipeline
     */
    public long backlog(DestinationId destination) {
        return this.spool.backlog(dispatcher(destination).id());
    }

    /** Returns how many events wait in the spool for at least one destination, summed over destinations. */
    public long backlog() {
        return destinations().stream().mapToLong(this.spool::backlog).sum();
    }

    /** Collects a pipeline's parts; {@link #build()} checks that they fit together. */
    public static final class Builder {

        private static final long MEGABYTE = 1024 * 1024;

        private @Nullable Spool spool;

        private final List<SourceId> sources = new ArrayList<>();

        private final List<DestinationSettings> destinations = new ArrayList<>();

        private RetryPolicy retryPolicy = RetryPolicy.defaults();

        private Duration deliveryTimeout = Duration.ofSeconds(30);

        private int sourceQueueCapacity = 1024;

        private int maxAppendsInFlight = 256;

        private int duplicateWindowSize = 100_000;

        private Duration duplicateWindowMaxAge = Duration.ofMinutes(10);

        private Duration shutdownGracePeriod = Duration.ofSeconds(10);

        private Duration maxProbeInterval = DEFAULT_MAX_PROBE_INTERVAL;

        private Duration failureWarningInterval = Duration.ofMinutes(1);

        private Duration deadLetterCountInterval = Duration.ofSeconds(10);

        private @Nullable DeadLetterStore deadLetters;

        private MeterRegistry meterRegistry = Metrics.globalRegistry;

        private int maxHeldEvents = 5_000;

        private long maxHeldBytes = defaultMaxHeldBytes(Runtime.getRuntime().maxMemory());

        private int maxDeliveriesInFlight = 8;

        private final List<EventTransformer> transformers = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets where events go that a destination refused or that spent their retry budget.
         * Without one, the pipeline keeps them in an in-memory store that a restart empties.
         */
        public Builder deadLetterStore(DeadLetterStore deadLetters) {
            this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
            return this;
        }

        /** Sets the registry of the pipeline's meters; Micrometer's global registry by default. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /**
         * Sets how many events each destination's dispatcher keeps on the heap: batches being
         * filled, the deliveries in flight, events waiting for their device's delivery and events
         * waiting for a retry. Past it, events wait in the spool.
         */
        public Builder maxHeldEvents(int maxHeldEvents) {
            if (maxHeldEvents < 1) {
                throw new IllegalArgumentException("maxHeldEvents must be at least 1, but was " + maxHeldEvents);
            }
            this.maxHeldEvents = maxHeldEvents;
            return this;
        }

        /**
         * Sets about how many bytes of encoded events each destination's dispatcher keeps on the
         * heap, the byte counterpart of {@link #maxHeldEvents(int)} for large events. The heap
         * they take is a small multiple of this, since each held event is also a JSON tree. The
         * default is {@link #defaultMaxHeldBytes(long) sized from the heap}.
         */
        public Builder maxHeldBytes(long maxHeldBytes) {
            if (maxHeldBytes < 1) {
                throw new IllegalArgumentException("maxHeldBytes must be at least 1, but was " + maxHeldBytes);
            }
            this.maxHeldBytes = maxHeldBytes;
            return this;
        }

        /**
         * Returns the default of {@link #maxHeldBytes(long)} for a heap of {@code maxHeapBytes}:
         * a thirty-second of it, between 1 MB and 8 MB. Held events take two to three times
         * their encoded size, so a small heap keeps room for decoding and deliveries.
         */
        public static long defaultMaxHeldBytes(long maxHeapBytes) {
            return Math.max(MEGABYTE, Math.min(8 * MEGABYTE, maxHeapBytes / 32));
        }

        /**
         * Sets how many deliveries each destination's dispatcher keeps in flight at once. A
         * device's events are in at most one of them, so its order holds however they settle.
         */
        public Builder maxDeliveriesInFlight(int maxDeliveriesInFlight) {
            if (maxDeliveriesInFlight < 1) {
                throw new IllegalArgumentException(
                        "maxDeliveriesInFlight must be at least 1, but was " + maxDeliveriesInFlight);
            }
            this.maxDeliveriesInFlight = maxDeliveriesInFlight;
            return this;
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

        /**
         * Sets how many recent events the acceptance stage remembers to recognise resends, and
         * for how long. Each remembered event takes about 28 bytes of heap.
         */
        public Builder duplicateWindow(int size, Duration maxAge) {
            if (size < 1) {
                throw new IllegalArgumentException("duplicate window size must be at least 1, but was " + size);
            }
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("duplicate window max age must be positive, but was " + maxAge);
            }
            this.duplicateWindowSize = size;
            this.duplicateWindowMaxAge = maxAge;
            return this;
        }

        /** Sets how long {@link DispatchPipeline#close()} lets destinations deliver their backlog. */
        public Builder shutdownGracePeriod(Duration gracePeriod) {
            if (gracePeriod.isNegative()) {
                throw new IllegalArgumentException("shutdownGracePeriod must not be negative, but was " + gracePeriod);
            }
            this.shutdownGracePeriod = gracePeriod;
            return this;
        }

        /**
         * Sets the maximum step of the wait between two probes while a destination looks down.
         * Then one delivery at a time goes out, and after each that fails the next waits a
         * backoff that grows up to this or the retry policy's maximum backoff, whichever is
         * shorter. The probe is new events if some wait, else a retry, sent before it is due if
         * none is, so the end of an outage is noticed within about this long. An early retry that
         * fails as a whole spends no attempt.
         */
        public Builder maxProbeInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("maxProbeInterval must be positive, but was " + interval);
            }
            this.maxProbeInterval = interval;
            return this;
        }

        /** Sets the minimum time between two WARNs about a destination's failed deliveries, which tests shorten. */
        Builder failureWarningInterval(Duration interval) {
            this.failureWarningInterval = interval;
            return this;
        }

        /** Sets how often the gauge of stored dead letters is refreshed from the store, which tests shorten. */
        Builder deadLetterCountInterval(Duration interval) {
            this.deadLetterCountInterval = interval;
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
