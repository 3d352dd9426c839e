package io.eventrouter.core.spool;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import io.eventrouter.core.destination.DestinationId;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * One destination's position in a {@link FileSpool}: what it has acknowledged, and a reader that
 * emits its records from the segment files as its subscriber requests them.
 *
 * <p>Reading runs on the cursor's own scheduler worker, one drain at a time, so the segment
 * reader needs no locking. Acknowledgements and the read offset are guarded by the cursor.
 */
final class SpoolCursor {

    private static final Logger logger = LoggerFactory.getLogger(SpoolCursor.class);

    private final DestinationId id;

    private final SegmentIndex index;

    private final Scheduler.Worker worker;

    /** Guarded by this cursor. */
    private final AcknowledgementTracker acknowledgements;

    /** The next offset to emit; guarded by this cursor. */
    private long readOffset;

    private final AtomicInteger drains = new AtomicInteger();

    private volatile @Nullable FluxSink<SpooledEvent> sink;

    /** Set when a new subscriber starts at the watermark; cleared on the worker. */
    private volatile boolean rewind;

    /** Touched only on the worker. */
    private @Nullable SegmentReader reader;

    SpoolCursor(DestinationId id, long watermark, SegmentIndex index, Scheduler.Worker worker) {
        this.id = id;
        this.index = index;
        this.worker = worker;
        this.acknowledgements = new AcknowledgementTracker(watermark);
        this.readOffset = watermark;
    }

    DestinationId id() {
        return this.id;
    }

    Flux<SpooledEvent> read() {
        return Flux.create((sink) -> {
            synchronized (this) {
                if (this.sink != null) {
                    sink.error(new IllegalStateException("Destination '" + this.id
                            + "' is already reading from the spool"));
                    return;
                }
                this.sink = sink;
                this.readOffset = this.acknowledgements.watermark();
                this.rewind = true;
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

    /** Completes the subscriber's flux and closes the open segment file. */
    void close() {
        FluxSink<SpooledEvent> current = this.sink;
        if (current != null) {
            current.complete();
        }
        this.worker.dispose();
        SegmentReader open = this.reader;
        if (open != null) {
            try {
                open.close();
            }
            catch (IOException ex) {
                logger.debug("Closing a spool segment reader failed: {}", ex.toString());
            }
        }
    }

    private void drain() {
        int missed = 1;
        do {
            FluxSink<SpooledEvent> current = this.sink;
            try {
                while (current != null && current.requestedFromDownstream() > 0 && !current.isCancelled()) {
                    SpooledEvent next = readNext();
                    if (next == null) {
                        break;
                    }
                    current.next(next);
                }
            }
            catch (IOException | RuntimeException ex) {
                logger.error("Reading the spool failed; the destination stops until the router restarts: "
                        + "destination_id={}", this.id, ex);
                if (current != null) {
                    current.error(ex);
                }
            }
            missed = this.drains.addAndGet(-missed);
        }
        while (missed != 0);
    }

    private @Nullable SpooledEvent readNext() throws IOException {
        while (true) {
            long target = nextUnacknowledged();
            if (target < 0) {
                return null;
            }
            SegmentReader.Record record = recordAtOrAfter(target);
            if (record == null) {
                return null;
            }
            if (record.offset() > target) {
                skipLost(target, record.offset());
            }
            if (!claimForReading(record.offset())) {
                continue;
            }
            try {
                return SpoolRecords.decode(record.offset(), record.payload());
            }
            catch (RuntimeException ex) {
                logger.error("Dropping a spooled event that passed its checksum but cannot be decoded: "
                        + "destination_id={} offset={} error={}", this.id, record.offset(), ex.toString());
                acknowledge(record.offset());
            }
        }
    }

    /** Returns the next committed offset not acknowledged yet, or -1 when there is none. */
    private synchronized long nextUnacknowledged() {
        long committed = this.index.committedOffset();
        while (this.readOffset < committed && this.acknowledgements.isAcknowledged(this.readOffset)) {
            this.readOffset++;
        }
        return (this.readOffset < committed) ? this.readOffset : -1;
    }

    /** Moves the read offset past a record and returns whether it still needs to be emitted. */
    private synchronized boolean claimForReading(long offset) {
        this.readOffset = offset + 1;
        return !this.acknowledgements.isAcknowledged(offset);
    }

    /**
     * Returns the first readable record at or after {@code target}. Damaged bytes in a segment
     * end that segment for this reader: its remaining records are lost, and the record returned
     * lies beyond them.
     */
    private SegmentReader.@Nullable Record recordAtOrAfter(long target) throws IOException {
        SegmentReader current = this.reader;
        if (this.rewind || current == null || current.nextOffset() > target) {
            this.rewind = false;
            if (!openReader(this.index.segmentFor(target))) {
                return null;
            }
        }
        while (true) {
            SegmentReader open = this.reader;
            SegmentReader.Record record;
            try {
                record = open.next(open.segment().committedBytes);
            }
            catch (SegmentReader.CorruptRecordException ex) {
                logger.error("Skipping the rest of a damaged spool segment: destination_id={} error={}",
                        this.id, ex.getMessage());
                record = null;
            }
            if (record == null) {
                if (!openReader(this.index.after(open.segment()))) {
                    return null;
                }
                continue;
            }
            if (record.offset() >= target) {
                return record;
            }
        }
    }

    private boolean openReader(@Nullable Segment segment) throws IOException {
        if (segment == null) {
            return false;
        }
        SegmentReader current = this.reader;
        if (current != null) {
            current.close();
        }
        this.reader = SegmentReader.open(segment);
        return true;
    }

    private synchronized void skipLost(long from, long to) {
        logger.error("Spooled events lost to damaged bytes, skipping them: destination_id={} events={} "
                + "first_offset={}", this.id, to - from, from);
        for (long offset = from; offset < to; offset++) {
            this.acknowledgements.acknowledge(offset);
        }
    }

}
