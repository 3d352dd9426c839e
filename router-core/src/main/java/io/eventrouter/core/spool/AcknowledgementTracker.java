package io.eventrouter.core.spool;

import java.util.BitSet;

/**
 * Tracks which offsets a destination has acknowledged when acknowledgements arrive out of order,
 * as the low watermark below which every offset is done plus the done offsets above it.
 *
 * <p>Not thread-safe: the owning spool guards it.
 */
final class AcknowledgementTracker {

    private long watermark;

    /** Bit {@code i} stands for offset {@code watermark + 1 + i}. */
    private BitSet above = new BitSet();

    /** The number of bits set in {@link #above}, kept so that a backlog costs no scan of them. */
    private int aboveCount;

    AcknowledgementTracker(long watermark) {
        this.watermark = watermark;
    }

    /**
     * Creates a tracker from a watermark and the offsets acknowledged above it, as
     * {@link #acknowledgedAbove()} returned them, keeping only those below {@code end}.
     */
    AcknowledgementTracker(long watermark, byte[] acknowledgedAbove, long end) {
        this.watermark = watermark;
        BitSet above = BitSet.valueOf(acknowledgedAbove);
        long limit = end - watermark - 1;
        if (limit < above.length()) {
            above.clear((int) Math.max(0, limit), above.length());
        }
        this.above = above;
        this.aboveCount = above.cardinality();
    }

    /**
     * Returns the offsets acknowledged above the watermark as the bytes of a {@link BitSet},
     * empty when there are none.
     */
    byte[] acknowledgedAbove() {
        return this.above.toByteArray();
    }

    /** Returns the first offset that is not yet acknowledged. */
    long watermark() {
        return this.watermark;
    }

    /**
     * Returns how many offsets below {@code end} are not acknowledged: those from the watermark on,
     * less the ones acknowledged out of order.
     */
    long unacknowledgedBelow(long end) {
        if (end <= this.watermark) {
            return 0;
        }
        long aboveEnd = end - this.watermark - 1;
        // Offsets are acknowledged only once committed, so for the committed end every set bit
        // lies below it and the kept count serves; an earlier end needs a scan.
        int acknowledged = (aboveEnd >= this.above.length()) ? this.aboveCount
                : this.above.get(0, (int) aboveEnd).cardinality();
        return end - this.watermark - acknowledged;
    }

    boolean isAcknowledged(long offset) {
        return offset < this.watermark
                || (offset > this.watermark && this.above.get((int) (offset - this.watermark - 1)));
    }

    /** Acknowledges {@code offset} and returns whether the watermark moved. */
    boolean acknowledge(long offset) {
        if (offset < this.watermark) {
            return false;
        }
        if (offset > this.watermark) {
            long index = offset - this.watermark - 1;
            if (index > Integer.MAX_VALUE - 1) {
                throw new IllegalStateException("Acknowledgement " + offset
                        + " is too far ahead of the watermark " + this.watermark);
            }
            if (!this.above.get((int) index)) {
                this.above.set((int) index);
                this.aboveCount++;
            }
            return false;
        }
        int run = this.above.nextClearBit(0);
        this.aboveCount -= run;
        this.watermark += run + 1;
        this.above = this.above.get(run + 1, Math.max(run + 1, this.above.length()));
        return true;
    }

}
