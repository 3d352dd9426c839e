package io.eventrouter.sdk.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.OverflowPolicy;
import io.eventrouter.sdk.PublishException;
import io.eventrouter.sdk.PublisherStats;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The publisher in front of every transport: gives events their insert ids, bounds how many
 * events wait for acceptance, applies the overflow policy, counts outcomes and implements
 * flush and close.
 *
 * <p>The bound is a counter reserved with compare-and-set before a submission reaches the
 * transport and released when the submission settles, so it covers events queued, in flight
 * and waiting for a retry, and no publishing thread ever waits for room.
 */
public final class BufferedPublisher implements EventPublisher {

    private final Transport transport;

    private final @Nullable String apiKey;

    private final int capacity;

    private final OverflowPolicy overflowPolicy;

    private final Duration closeTimeout;

    private final AtomicInteger pending = new AtomicInteger();

    private final LongAdder accepted = new LongAdder();

    private final LongAdder failed = new LongAdder();

    private final LongAdder dropped = new LongAdder();

    /** Each unsettled submission, with the future its caller holds. */
    private final Map<Submission, CompletableFuture<Void>> outstanding = new ConcurrentHashMap<>();

    private final AtomicBoolean closed = new AtomicBoolean();

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
        // suppressCancel: a subscriber that cancels must not fail the submission for everyone else.
        return Mono.fromFuture(submit(events), true);
    }

    @Override
    public CompletableFuture<Void> publishAsync(Event event) {
        return publishAsync(List.of(event));
    }

    @Override
    public CompletableFuture<Void> publishAsync(List<Event> events) {
        // A copy, so that cancelling the caller's future leaves the submission alone.
        return submit(events).copy();
    }

    private CompletableFuture<Void> submit(List<Event> events) {
        List<Event> prepared = withInsertIds(events);
        int count = prepared.size();
        if (this.closed.get()) {
            this.failed.add(count);
            return CompletableFuture.failedFuture(closedException());
        }
        if (!reserve(count)) {
            return overflow(count);
        }
        Submission submission = new Submission(prepared);
        CompletableFuture<Void> settled = new CompletableFuture<>();
        this.outstanding.put(submission, settled);
        submission.result().whenComplete((done, error) -> settle(submission, count, error, settled));
        this.transport.send(submission);
        return settled;
    }

    private static List<Event> withInsertIds(List<Event> events) {
        Objects.requireNonNull(events, "events");
        if (events.isEmpty()) {
            throw new IllegalArgumentException("events must not be empty");
        }
        List<Event> prepared = new ArrayList<>(events.size());
        for (Event event : events) {
            Objects.requireNonNull(event, "event");
            prepared.add(event.insertId().isPresent() ? event : event.with(EventField.INSERT_ID, RandomInsertIds.next()));
        }
        return prepared;
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

    private CompletableFuture<Void> overflow(int count) {
        if (this.overflowPolicy == OverflowPolicy.DROP) {
            this.dropped.add(count);
            return CompletableFuture.completedFuture(null);
        }
        this.failed.add(count);
        return CompletableFuture.failedFuture(new PublishException(PublishException.Reason.BUFFER_FULL,
                "The publisher's buffer is full: " + this.pending.get() + " of " + this.capacity
                        + " events are waiting for acceptance, and " + count + " more were published"));
    }

    /**
     * Counts the outcome, then completes the caller's future, so that {@link #stats()} read after
     * the future completes already counts its events.
     */
    private void settle(Submission submission, int count, @Nullable Throwable error,
            CompletableFuture<Void> settled) {
        this.pending.addAndGet(-count);
        this.outstanding.remove(submission);
        if (error == null) {
            this.accepted.add(count);
            settled.complete(null);
        }
        else {
            this.failed.add(count);
            settled.completeExceptionally(error);
        }
    }

    @Override
    public Mono<Void> flush() {
        this.transport.flushNow();
        return Mono.fromFuture(settledTogether(), true);
    }

    private CompletableFuture<Void> settledTogether() {
        CompletableFuture<?>[] results = this.outstanding.values().stream()
                .map((settled) -> settled.exceptionally((error) -> null))
                .toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(results);
    }

    @Override
    public void close() {
        if (!this.closed.compareAndSet(false, true)) {
            return;
        }
        this.transport.flushNow();
        try {
            settledTogether().get(this.closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (TimeoutException | ExecutionException ex) {
            // The transport fails what is left below.
        }
        this.transport.close();
        this.outstanding.keySet().forEach((submission) -> submission.failed(closedException()));
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

}
