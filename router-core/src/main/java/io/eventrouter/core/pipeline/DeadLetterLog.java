package io.eventrouter.core.pipeline;

/**
 * Limits the log lines about one kind of dead-lettering, such as one reason, to one per interval.
 * The first events log at once. Those that follow within the interval are counted and written in
 * one line when the interval ends, or when the dispatcher stops, so that the lines add up to every
 * event dead-lettered. Confined to the dispatcher's thread.
 */
final class DeadLetterLog {

    private final long intervalMillis;

    private final Line line;

    private long lastLineAt = Long.MIN_VALUE / 2;

    private long pending;

    private String detail = "";

    private boolean flushScheduled;

    DeadLetterLog(long intervalMillis, Line line) {
        this.intervalMillis = intervalMillis;
        this.line = line;
    }

    /**
     * Records dead-lettered events and writes a line when the interval allows one.
     *
     * @param detail what the line reports besides the count, from the latest events
     * @return the delay in milliseconds after which {@link #flush} must run, or -1 when none is due
     */
    long record(long events, String detail, long now) {
        this.pending += events;
        this.detail = detail;
        if (now - this.lastLineAt >= this.intervalMillis) {
            write(now);
            return -1;
        }
        if (this.flushScheduled) {
            return -1;
        }
        this.flushScheduled = true;
        return this.lastLineAt + this.intervalMillis - now;
    }

    /** Writes the events counted since the last line, if any: when the interval ends, and at stop. */
    void flush(long now) {
        this.flushScheduled = false;
        if (this.pending > 0) {
            write(now);
        }
    }

    private void write(long now) {
        this.line.write(this.pending, this.detail);
        this.pending = 0;
        this.lastLineAt = now;
    }

    /** Writes one line with the events since the previous one. */
    @FunctionalInterface
    interface Line {

        void write(long events, String detail);

    }

}
