package io.eventrouter.core.spool;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.SourceId;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

/**
 * A spool on the heap, bounded by a number of events. Nothing survives the process: use it for
 * tests and for deployments that accept losing the backlog on a crash.
 *
 * <p>Events live in a ring of {@code capacity} slots; the event at offset {@code o} sits in slot
 * {@code o % capacity} from its append until every destination has acknowledged it.
 */
public final class MemorySpool implements Spool {

    /** How long a client should wait after the spool was full; an estimate of one drain cycle. */
    private static final Duration FULL_RETRY_AFTER = Duration.ofSeconds(1);

    private final ReentrantLock lock = new ReentrantLock();

    private final SpooledEvent[] slots;

    private final Map<DestinationId, Cursor> cursors = new LinkedHashMap<>();

    /** The oldest offset still held; guarded by {@link #lock}. */
    private long firstOffset;

    /** The offset the next append receives; guarded by {@link #lock}. */
    private long nextOffset;

    private boolean closed;

    /**
     * Creates a spool that holds at most {@code capacity} events for the given destinations.
     */
    public MemorySpool(int capacity, Collection<DestinationId> destinations) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, but was " + capacity);
        }
        if (destinations.isEmpty()) {
            throw new IllegalArgumentException("A spool needs at least one destination");
        }
        this.slots = new SpooledEvent[capacity];
        destinations.forEach((id) -> this.cursors.put(id, new Cursor()));
    }

    @Override
    public Mono<Void> append(SourceId source, List<Event> events) {
        return Mono.defer(() -> {
            AcceptanceException failure = tryAppend(source, events);
            if (failure != null) {
                return Mono.error(failure);
            }
            this.cursors.values().forEach(this::drain);
            return Mono.empty();
        });
    }

    private @Nullable AcceptanceException tryAppend(SourceId source, List<Event> events) {
        this.lock.lock();
        try {
            if (this.closed) {
                return new AcceptanceException(AcceptanceException.Reason.NOT_RUNNING, FULL_RETRY_AFTER,
                        "The spool is closed");
            }
            if (this.nextOffset - this.firstOffset + events.size() > this.slots.length) {
                return new AcceptanceException(AcceptanceException.Reason.SPOOL_FULL, FULL_RETRY_AFTER,
                        "The spool holds its maximum of " + this.slots.length + " events");
            }
            for (Event event : events) {
                long offset = this.nextOffset++;
                this.slots[slot(offset)] = new SpooledEvent(offset, source, event);
            }
            return null;
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public Flux<SpooledEvent> read(DestinationId destination) {
        Cursor cursor = cursor(destination);
        return Flux.create((sink) -> {
            this.lock.lock();
            try {
                // A cancelled reader may still be inside an emission, which holds off its disposal.
                if (cursor.sink != null && !cursor.sink.isCancelled()) {
                    sink.error(new IllegalStateException("Destination '" + destination
                            + "' is already reading from the spool"));
                    return;
                }
                cursor.sink = sink;
                cursor.readOffset = cursor.acknowledgements.watermark();
            }
            finally {
                this.lock.unlock();
            }
            sink.onRequest((demand) -> drain(cursor));
            sink.onDispose(() -> detach(cursor, sink));
        });
    }

    private void detach(Cursor cursor, FluxSink<SpooledEvent> sink) {
        this.lock.lock();
        try {
            if (cursor.sink == sink) {
                cursor.sink = null;
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Emits what the cursor's subscriber asked for; one thread at a time per cursor. */
    private void drain(Cursor cursor) {
        if (cursor.drains.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            FluxSink<SpooledEvent> sink = cursor.sink;
            while (sink != null && sink.requestedFromDownstream() > 0) {
                SpooledEvent next = nextFor(cursor, sink);
                if (next == null) {
                    break;
                }
                sink.next(next);
            }
            missed = cursor.drains.addAndGet(-missed);
        }
        while (missed != 0);
    }

    /**
     * Returns the next event for {@code sink}, or {@code null} when there is none or another
     * subscriber replaced it. A drain still running for a replaced subscriber must not move the
     * read offset. The new subscriber starts at the watermark, and the old drain would skip it
     * past events the new one has not read.
     */
    private @Nullable SpooledEvent nextFor(Cursor cursor, FluxSink<SpooledEvent> sink) {
        this.lock.lock();
        try {
            if (cursor.sink != sink) {
                return null;
            }
            // A resumed reader starts at the watermark; events acknowledged above it stay done.
            while (cursor.readOffset < this.nextOffset && cursor.acknowledgements.isAcknowledged(cursor.readOffset)) {
                cursor.readOffset++;
            }
            if (cursor.readOffset >= this.nextOffset) {
                return null;
            }
            return this.slots[slot(cursor.readOffset++)];
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public void acknowledge(DestinationId destination, long offset) {
        Cursor cursor = cursor(destination);
        this.lock.lock();
        try {
            if (offset >= this.nextOffset) {
                throw new IllegalArgumentException("Offset " + offset + " was never appended");
            }
            if (cursor.acknowledgements.acknowledge(offset)) {
                release();
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Frees the slots that every destination has acknowledged; called with the lock held. */
    private void release() {
        long done = Long.MAX_VALUE;
        for (Cursor cursor : this.cursors.values()) {
            done = Math.min(done, cursor.acknowledgements.watermark());
        }
        while (this.firstOffset < done) {
            this.slots[slot(this.firstOffset++)] = null;
        }
    }

    @Override
    public long backlog(DestinationId destination) {
        Cursor cursor = cursor(destination);
        this.lock.lock();
        try {
            return cursor.acknowledgements.unacknowledgedBelow(this.nextOffset);
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public void close() {
        this.lock.lock();
        try {
            this.closed = true;
            for (Cursor cursor : this.cursors.values()) {
                if (cursor.sink != null) {
                    cursor.sink.complete();
                }
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    private Cursor cursor(DestinationId destination) {
        Cursor cursor = this.cursors.get(destination);
        if (cursor == null) {
            throw new IllegalArgumentException("Destination '" + destination
                    + "' is not registered with this spool; registered: " + this.cursors.keySet());
        }
        return cursor;
    }

    private int slot(long offset) {
        return (int) (offset % this.slots.length);
    }

    private static final class Cursor {

        final AcknowledgementTracker acknowledgements = new AcknowledgementTracker(0);

        final AtomicInteger drains = new AtomicInteger();

        volatile @Nullable FluxSink<SpooledEvent> sink;

        /** Guarded by the spool's lock. */
        long readOffset;

    }

}
