package io.eventrouter.core.spool;

import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.RequestContext;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStoreException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * One destination's position in an {@link MVStoreSpool}: what it has acknowledged, and a reader
 * that emits its records from the file as its subscriber requests them.
 *
 * <p>Reading runs on the reader's own scheduler worker, one drain at a time, so the MVStore cursor
 * needs no locking. Acknowledgements and the read offset are guarded by the reader. The reader
 * never looks at offsets at or past the committed offset: the writer's puts are visible in the
 * map before their commit, and an uncommitted record may still be rolled back.
 */
final class SpoolReader {

    private static final Logger logger = LoggerFactory.getLogger(SpoolReader.class);

    private static final long FIRST_BACKOFF_MILLIS = 500;

    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final DestinationId id;

    private final SpoolFile file;

    private final LongSupplier committedOffset;

    private final Scheduler.Worker worker;

    /** Guarded by this reader. */
    private final AcknowledgementTracker acknowledgements;

    /** The next offset to emit; guarded by this reader. */
    private long readOffset;

    private final AtomicInteger drains = new AtomicInteger();

    private volatile @Nullable FluxSink<SpooledEvent> sink;

    // Touched only on the worker: a cursor kept between the records of one drain, so reading in
    // order walks the map's leaves instead of searching the tree for every record. The drain
    // retains the store's version meanwhile, so MVStore does not write over the chunks it reads.

    private @Nullable Cursor<Long, byte[]> cursor;

    private @Nullable MVMap<Long, byte[]> cursorMap;

    private long cursorNext = -1;

    /** The context of the last record read, shared by the next records of the same request. */
    private @Nullable RequestContext recentContext;

    /** How long the reader pauses after its last failure; zero after a successful read. */
    private long backoffMillis;

    private long retryAtNanos = System.nanoTime();

    SpoolReader(DestinationId id, long watermark, SpoolFile file, LongSupplier committedOffset,
            Scheduler.Worker worker) {
        this(id, new AcknowledgementTracker(watermark), file, committedOffset, worker);
    }

    SpoolReader(DestinationId id, AcknowledgementTracker acknowledgements, SpoolFile file,
            LongSupplier committedOffset, Scheduler.Worker worker) {
        this.id = id;
        this.file = file;
        this.committedOffset = committedOffset;
        this.worker = worker;
        this.acknowledgements = acknowledgements;
        this.readOffset = acknowledgements.watermark();
    }

    DestinationId id() {
        return this.id;
    }

    Flux<SpooledEvent> read() {
        return Flux.create((sink) -> {
            synchronized (this) {
                // A cancelled reader may still be inside an emission, which holds off its disposal.
                if (this.sink != null && !this.sink.isCancelled()) {
                    sink.error(new IllegalStateException("Destination '" + this.id
                            + "' is already reading from the spool"));
                    return;
                }
                this.sink = sink;
                this.readOffset = this.acknowledgements.watermark();
            }
            sink.onRequest((demand) -> signal());
            sink.onDispose(() -> detach(sink));
        });
    }

    private synchronized void detach(FluxSink<SpooledEvent> sink) {
        if (this.sink == sink) {
            this.sink = null;
        }
    }

    /** Wakes the reader after new records were committed or more were requested. */
    void signal() {
        if (this.drains.getAndIncrement() == 0) {
            this.worker.schedule(this::drain);
        }
    }

    synchronized void acknowledge(long offset) {
        this.acknowledgements.acknowledge(offset);
    }

    /** Returns the first offset this destination has not acknowledged. */
    synchronized long watermark() {
        return this.acknowledgements.watermark();
    }

    /** Returns how many committed offsets below {@code committed} this destination has not acknowledged. */
    synchronized long unacknowledgedBelow(long committed) {
        return this.acknowledgements.unacknowledgedBelow(committed);
    }

    /** Returns the watermark and the offsets acknowledged above it, read together. */
    synchronized Position position() {
        return new Position(this.acknowledgements.watermark(),
                ByteBuffer.wrap(this.acknowledgements.acknowledgedAbove()));
    }

    /**
     * A destination's position: its watermark and the offsets it acknowledged above it, as the
     * bytes of a {@link java.util.BitSet} (a buffer, so that two positions compare by content).
     */
    record Position(long watermark, ByteBuffer acknowledgedAbove) {
    }

    /** Completes the subscriber's flux. */
    void close() {
        FluxSink<SpooledEvent> current = this.sink;
        if (current != null) {
            current.complete();
        }
        this.worker.dispose();
    }

    private void drain() {
        int missed = 1;
        do {
            FluxSink<SpooledEvent> current = this.sink;
            Runnable release = null;
            try {
                if (System.nanoTime() - this.retryAtNanos >= 0) {
                    release = this.file.retain();
                    emit(current);
                }
            }
            catch (RuntimeException ex) {
                failed(ex);
            }
            finally {
                // The cursor walks the version retained above; the next drain starts from the
                // newest one.
                this.cursor = null;
                if (release != null) {
                    release.run();
                }
            }
            missed = this.drains.addAndGet(-missed);
        }
        while (missed != 0);
    }

    private void emit(@Nullable FluxSink<SpooledEvent> current) {
        while (current != null && current.requestedFromDownstream() > 0 && !current.isCancelled()) {
            SpooledEvent next = readNext(current);
            if (next == null) {
                break;
            }
            this.backoffMillis = 0;
            current.next(next);
        }
    }

    /**
     * Reading failed in a way the reader cannot skip: waits, doubling the pause up to
     * {@link #MAX_BACKOFF_MILLIS}, and logs once per pause. The subscriber is never failed, since
     * reading again at once would only fail again.
     */
    private void failed(RuntimeException ex) {
        this.cursor = null;
        if (!this.file.isOpen()) {
            // The writer is opening the file again after a write error and signals when it has.
            logger.debug("Spool file closed while reading, waiting for it to open again: destination_id={}",
                    this.id);
            return;
        }
        this.backoffMillis = (this.backoffMillis == 0) ? FIRST_BACKOFF_MILLIS
                : Math.min(MAX_BACKOFF_MILLIS, this.backoffMillis * 2);
        this.retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(this.backoffMillis);
        logger.error("Reading the spool failed, reading again after a pause: destination_id={} pause_ms={}",
                this.id, this.backoffMillis, ex);
        try {
            this.worker.schedule(this::signal, this.backoffMillis, TimeUnit.MILLISECONDS);
        }
        catch (RejectedExecutionException closed) {
            logger.debug("Spool reader closed during its pause: destination_id={}", this.id);
        }
    }

    private @Nullable SpooledEvent readNext(FluxSink<SpooledEvent> current) {
        while (true) {
            long target = nextUnacknowledged(current);
            if (target < 0) {
                return null;
            }
            Entry entry;
            try {
                entry = entryAtOrAfter(target);
            }
            catch (MVStoreException ex) {
                this.cursor = null;
                if (!this.file.isOpen() || !SpoolFile.isDamage(ex) || !skipDamaged(target, ex)) {
                    throw ex;
                }
                continue;
            }
            if (entry == null || entry.offset() >= this.committedOffset.getAsLong()) {
                skipLost(target, this.committedOffset.getAsLong());
                continue;
            }
            if (entry.offset() > target) {
                skipLost(target, entry.offset());
            }
            if (!claimForReading(entry.offset(), current)) {
                continue;
            }
            SpooledEvent event = decode(entry);
            if (event != null) {
                return event;
            }
        }
    }

    /**
     * Skips the records on the damaged page that holds {@code target}: finds the next offset
     * whose page reads, and acknowledges the ones before it for this destination, so they hold
     * back neither its watermark nor the deletion of delivered records. Returns false when the
     * page holding {@code target} reads after all, so there is nothing to skip.
     */
    private boolean skipDamaged(long target, MVStoreException damage) {
        MVMap<Long, byte[]> records = this.file.records();
        if (isReadable(records, target)) {
            return false;
        }
        long committed = this.committedOffset.getAsLong();
        long next = target + 1;
        while (next < committed && !isReadable(records, next)) {
            next++;
        }
        long lost = acknowledgeRange(target, next);
        logger.warn("Skipping spooled events on a damaged page of the spool file, they are lost for this "
                + "destination: destination_id={} first_offset={} last_offset={} events={} error={}",
                this.id, target, next - 1, lost, damage.getMessage());
        return true;
    }

    private static boolean isReadable(MVMap<Long, byte[]> records, long offset) {
        try {
            records.get(offset);
            return true;
        }
        catch (MVStoreException ex) {
            if (!SpoolFile.isDamage(ex)) {
                throw ex;
            }
            return false;
        }
    }

    /** Acknowledges the offsets from {@code from} to {@code to} and returns how many were not yet. */
    private synchronized long acknowledgeRange(long from, long to) {
        long count = 0;
        for (long offset = from; offset < to; offset++) {
            if (!this.acknowledgements.isAcknowledged(offset)) {
                count++;
                this.acknowledgements.acknowledge(offset);
            }
        }
        return count;
    }

    private @Nullable SpooledEvent decode(Entry entry) {
        if (!SpoolRecords.isIntact(entry.offset(), entry.value())) {
            logger.warn("Skipping a spooled event whose checksum or format version does not match: "
                    + "destination_id={} offset={}", this.id, entry.offset());
            acknowledge(entry.offset());
            return null;
        }
        try {
            SpooledEvent event = SpoolRecords.decode(entry.offset(), entry.value(), this.recentContext);
            this.recentContext = event.event().context();
            return event;
        }
        catch (RuntimeException ex) {
            // The exception's message may quote the stored JSON, so only its class is logged.
            logger.error("Dropping a spooled event that passed its checksum but cannot be decoded: "
                    + "destination_id={} offset={} error={}", this.id, entry.offset(), ex.getClass().getName());
            acknowledge(entry.offset());
            return null;
        }
    }

    /**
     * Returns the next committed offset not acknowledged yet, or -1 when there is none or
     * {@code current} is no longer the subscriber.
     */
    private synchronized long nextUnacknowledged(FluxSink<SpooledEvent> current) {
        if (this.sink != current) {
            return -1;
        }
        long committed = this.committedOffset.getAsLong();
        while (this.readOffset < committed && this.acknowledgements.isAcknowledged(this.readOffset)) {
            this.readOffset++;
        }
        return (this.readOffset < committed) ? this.readOffset : -1;
    }

    /**
     * Moves the read offset past a record and returns whether it still needs to be emitted. A
     * subscriber that was replaced while its record was read moves nothing: the new one starts
     * at the watermark, and moving its offset would skip the records below this one.
     */
    private synchronized boolean claimForReading(long offset, FluxSink<SpooledEvent> current) {
        if (this.sink != current) {
            return false;
        }
        this.readOffset = offset + 1;
        return !this.acknowledgements.isAcknowledged(offset);
    }

    /**
     * Returns the first record at or after {@code target}. The writer puts offsets in increasing
     * order and deletes only below every destination's watermark, so a record found past the
     * target means the records between are missing from the file.
     */
    private @Nullable Entry entryAtOrAfter(long target) {
        MVMap<Long, byte[]> records = this.file.records();
        Cursor<Long, byte[]> current = this.cursor;
        if (current == null || this.cursorMap != records || this.cursorNext != target || !current.hasNext()) {
            // A cursor sees the map as it was when it was made, so a new record needs a new one.
            current = records.cursor(target);
            this.cursor = current;
            this.cursorMap = records;
        }
        if (!current.hasNext()) {
            return null;
        }
        long offset = current.next();
        this.cursorNext = offset + 1;
        return new Entry(offset, current.getValue());
    }

    private synchronized void skipLost(long from, long to) {
        logger.error("Spooled events missing from the spool file, skipping them: destination_id={} events={} "
                + "first_offset={}", this.id, to - from, from);
        for (long offset = from; offset < to; offset++) {
            this.acknowledgements.acknowledge(offset);
        }
    }

    private record Entry(long offset, byte[] value) {
    }

}
