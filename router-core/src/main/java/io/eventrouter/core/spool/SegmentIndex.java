package io.eventrouter.core.spool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * The segments of a {@link FileSpool} in offset order, and the committed offset: the offset after
 * the last record readers may read. The writer changes both; readers only look.
 *
 * <p>The writer raises a segment's {@link Segment#committedBytes} before the committed offset,
 * both volatile, so a reader that has seen an offset below the committed offset also sees the
 * bytes of its record.
 */
final class SegmentIndex {

    /** Guarded by this index. */
    private final TreeMap<Long, Segment> segments = new TreeMap<>();

    private volatile long committedOffset;

    SegmentIndex(Collection<Segment> segments, long committedOffset) {
        segments.forEach((segment) -> this.segments.put(segment.baseOffset, segment));
        this.committedOffset = committedOffset;
    }

    long committedOffset() {
        return this.committedOffset;
    }

    /** Makes every record below {@code nextOffset}, ending at {@code activeBytes} of the active segment, readable. */
    void publish(@Nullable Segment active, long activeBytes, long nextOffset) {
        if (active != null) {
            active.committedBytes = activeBytes;
        }
        this.committedOffset = nextOffset;
    }

    synchronized void add(Segment segment) {
        this.segments.put(segment.baseOffset, segment);
    }

    /** Returns the segment that contains {@code offset}, or the oldest one when the offset lies before it. */
    synchronized @Nullable Segment segmentFor(long offset) {
        Map.Entry<Long, Segment> floor = this.segments.floorEntry(offset);
        if (floor != null) {
            return floor.getValue();
        }
        return this.segments.isEmpty() ? null : this.segments.firstEntry().getValue();
    }

    synchronized @Nullable Segment after(Segment segment) {
        Map.Entry<Long, Segment> next = this.segments.higherEntry(segment.baseOffset);
        return (next != null) ? next.getValue() : null;
    }

    synchronized OptionalLong firstOffset() {
        return this.segments.isEmpty() ? OptionalLong.empty() : OptionalLong.of(this.segments.firstKey());
    }

    synchronized int size() {
        return this.segments.size();
    }

    /** Returns the readable bytes of every segment. */
    synchronized long bytes() {
        return this.segments.values().stream().mapToLong((segment) -> segment.committedBytes).sum();
    }

    /**
     * Removes and returns the segments whose every record lies below {@code done}, never the
     * active one.
     */
    synchronized List<Segment> removeBelow(long done, @Nullable Segment active) {
        List<Segment> removed = new ArrayList<>();
        while (this.segments.size() > 1) {
            Map.Entry<Long, Segment> first = this.segments.firstEntry();
            Long next = this.segments.higherKey(first.getKey());
            if (next == null || next > done || first.getValue() == active) {
                break;
            }
            removed.add(first.getValue());
            this.segments.remove(first.getKey());
        }
        return removed;
    }

}
