package io.eventrouter.sdk.internal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.log.WarningInterval;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.Events;
import io.eventrouter.sdk.GroupIdentifyBuilder;
import io.eventrouter.sdk.IdentifyBuilder;
import io.eventrouter.sdk.OverflowPolicy;
import io.eventrouter.sdk.PublishException;
import io.eventrouter.sdk.PublisherStats;
import io.eventrouter.sdk.RevenueBuilder;
import io.eventrouter.sdk.TrackBuilder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The publisher in front of every transport: gives events their insert ids, bounds how many
 * events wait for acceptance, applies the overflow policy, counts outcomes and implements
 * flush and close.
 *
 * <p>The bound is a counter reserved with compare-and-set before a submission reaches the
 * transport and released when the submission settles, so it covers events queued, in flight
 * and waiting for a retry, and no publishing thread ever waits for room.
 *
 * <p>A publish keeps no entry in any shared map. To know when everything published before a
 * flush has settled, submissions are counted in generations: a flush seals the current one and
 * starts the next, and its {@code Mono} completes once the sealed generation and every earlier
 * one have no unsettled submission left.
 */
public final class BufferedPublisher implements EventPublisher {

    private static final Logger logger = LoggerFactory.getLogger(BufferedPublisher.class);

    /** WARNs about dropped events, at most one a minute. */
    private final WarningInterval dropWarnings = new WarningInterval(Duration.ofMinutes(1));

    private final Transport transport;

    private final @Nullable String apiKey;

    private final int capacity;

    private final OverflowPolicy overflowPolicy;

    private final Duration closeTimeout;

    private final AtomicInteger pending = new AtomicInteger();

    private final LongAdder accepted = new LongAdder();

    private final LongAdder failed = new LongAdder();

    private final LongAdder dropped = new LongAdder();

    private final AtomicBoolean closed = new AtomicBoolean();

    /** Guards sealing a generation; publishing never takes it. */
    private final Object flushLock = new Object();

    private volatile Generation generation = new Generation();

    /** Completes when every sealed generation has settled; guarded by {@link #flushLock}. */
    private CompletableFuture<Void> sealedSettled = CompletableFuture.completedFuture(null);

    public BufferedPublisher(Transport transport, @Nullable String apiKey, int capacity,
            OverflowPolicy overflowPolicy, Duration closeTimeout) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.apiKey = apiKey;
        this.capacity = capacity;
        this.overflowPolicy = Objects.requireNonNull(overflowPolicy, "overflowPolicy");
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
    }

    @Override
    public Mono<Void> publish(List<Event> events) {
        return new SubmissionMono(submit(events));
    }

    @Override
    public CompletableFuture<Void> publishAsync(Event event) {
        return publishAsync(List.of(event));
    }

    /**
     * Returns the submission's own future: it has no other observer, so a caller that cancels it
     * changes nothing but that future, and the events stay published.
     */
    @Override
    public CompletableFuture<Void> publishAsync(List<Event> events) {
        return submit(events).future();
    }

    /** Hands the events to the transport, or returns a submission settled already when they are refused. */
    private Submission submit(List<Event> events) {
        List<Event> prepared = withInsertIds(events);
        int count = prepared.size();
        if (this.closed.get()) {
            this.failed.add(count);
            return refused(prepared, closedException());
        }
        if (!reserve(count)) {
            return overflow(prepared);
        }
        Submission submission = new Submission(prepared, enterGeneration());
        this.transport.send(submission);
        return submission;
    }

    /** Copies the list unless it is immutable already, and gives each event without insert id one. */
    private static List<Event> withInsertIds(List<Event> events) {
        List<Event> copy = List.copyOf(Objects.requireNonNull(events, "events"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("events must not be empty");
        }
        Event[] prepared = null;
        for (int i = 0; i < copy.size(); i++) {
            Event event = copy.get(i);
            if (event.insertId().isEmpty()) {
                prepared = (prepared != null) ? prepared : copy.toArray(new Event[0]);
                prepared[i] = event.with(EventField.INSERT_ID, RandomInsertIds.next());
            }
        }
        return (prepared != null) ? List.of(prepared) : copy;
    }

    private boolean reserve(int count) {
        while (true) {
            int current = this.pending.get();
            if (current + count > this.capacity) {
                return false;
            }
            if (this.pending.compareAndSet(current, current + count)) {
                return true;
            }
        }
    }

    private Submission overflow(List<Event> events) {
        int count = events.size();
        if (this.overflowPolicy == OverflowPolicy.DROP) {
            this.dropped.add(count);
            logDrop(count);
            Submission submission = new Submission(events, Refusal.INSTANCE);
            submission.accepted(count);
            return submission;
        }
        this.failed.add(count);
        return refused(events, new PublishException(PublishException.Reason.BUFFER_FULL,
                "The publisher's buffer is full: " + this.pending.get() + " of " + this.capacity
                        + " events are waiting for acceptance, and " + count + " more were published"));
    }

    /**
     * Logs dropped events: a WARN at most once a minute with the total dropped so far, and DEBUG
     * in between, because a publish under {@code DROP} completes as if its events were accepted.
     */
    private void logDrop(int count) {
        if (this.dropWarnings.record(count) > 0) {
            logger.warn("The publisher's buffer is full, so published events are dropped (OverflowPolicy.DROP): "
                    + "capacity={} dropped_now={} dropped_total={}", this.capacity, count, this.dropped.sum());
        }
        else {
            logger.debug("Published events dropped: dropped_now={}", count);
        }
    }

    private static Submission refused(List<Event> events, PublishException error) {
        Submission submission = new Submission(events, Refusal.INSTANCE);
        submission.failed(error);
        return submission;
    }

    /**
     * Joins the current generation. The count goes up before the check of {@code sealed}, and a
     * flush sets {@code sealed} before it reads the count, so either the flush sees this
     * submission or the submission sees the seal and joins the next generation.
     */
    private Generation enterGeneration() {
        while (true) {
            Generation current = this.generation;
            current.unsettled.incrementAndGet();
            if (!current.sealed) {
                return current;
            }
            current.leave();
        }
    }

    @Override
    public Mono<Void> flush() {
        this.transport.flushNow();
        return Mono.fromFuture(sealGeneration(), true);
    }

    /** Starts a new generation and returns a future that completes when every earlier one has settled. */
    private CompletableFuture<Void> sealGeneration() {
        synchronized (this.flushLock) {
            Generation sealed = this.generation;
            this.generation = new Generation();
            sealed.sealed = true;
            if (sealed.unsettled.get() == 0) {
                sealed.settled.complete(null);
            }
            this.sealedSettled = CompletableFuture.allOf(this.sealedSettled, sealed.settled);
            return this.sealedSettled;
        }
    }

    @Override
    public void close() {
        if (!this.closed.compareAndSet(false, true)) {
            return;
        }
        this.transport.flushNow();
        try {
            sealGeneration().get(this.closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (TimeoutException | ExecutionException ex) {
            // The transport fails what is left when it closes.
        }
        this.transport.close();
    }

    private static PublishException closedException() {
        return new PublishException(PublishException.Reason.CLOSED, "The publisher is closed");
    }

    @Override
    public PublisherStats stats() {
        return new PublisherStats(this.accepted.sum(), this.failed.sum(), this.dropped.sum(), this.pending.get());
    }

    @Override
    public Optional<String> defaultApiKey() {
        return Optional.ofNullable(this.apiKey);
    }

    // The builder methods below do what the interface's defaults do, without an Optional and a
    // lambda per event.

    @Override
    public TrackBuilder track(String eventType) {
        TrackBuilder builder = Events.track(eventType);
        return (this.apiKey != null) ? builder.apiKey(this.apiKey) : builder;
    }

    @Override
    public IdentifyBuilder identify() {
        IdentifyBuilder builder = Events.identify();
        return (this.apiKey != null) ? builder.apiKey(this.apiKey) : builder;
    }

    @Override
    public GroupIdentifyBuilder groupIdentify(String groupType, String groupName) {
        GroupIdentifyBuilder builder = Events.groupIdentify(groupType, groupName);
        return (this.apiKey != null) ? builder.apiKey(this.apiKey) : builder;
    }

    @Override
    public RevenueBuilder revenue(double price) {
        RevenueBuilder builder = Events.revenue(price);
        return (this.apiKey != null) ? builder.apiKey(this.apiKey) : builder;
    }

    /**
     * The submissions handed to the transport between two flushes. Each one reports here when it
     * settles, which releases its room in the buffer and counts its outcome.
     */
    private final class Generation implements Submission.Settlement {

        final AtomicInteger unsettled = new AtomicInteger();

        final CompletableFuture<Void> settled = new CompletableFuture<>();

        volatile boolean sealed;

        @Override
        public void settled(int count, @Nullable PublishException error) {
            BufferedPublisher.this.pending.addAndGet(-count);
            if (error == null) {
                BufferedPublisher.this.accepted.add(count);
            }
            else {
                BufferedPublisher.this.failed.add(count);
            }
            leave();
        }

        void leave() {
            if (this.unsettled.decrementAndGet() == 0 && this.sealed) {
                this.settled.complete(null);
            }
        }

    }

    /** The settlement of a refused publish, which the publisher counted when it refused it. */
    private enum Refusal implements Submission.Settlement {

        INSTANCE;

        @Override
        public void settled(int count, @Nullable PublishException error) {
        }

    }

}
