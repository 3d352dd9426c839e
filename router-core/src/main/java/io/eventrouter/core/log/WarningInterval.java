package io.eventrouter.core.log;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A limit on how often a repeating problem logs at WARN: the first occurrence does, then at most
 * one per interval, and the occurrences in between are counted for the next WARN to report. A
 * caller logs the others at DEBUG, so that a client repeating a bad request, or an overloaded
 * router, cannot fill the log. Thread-safe.
 */
public final class WarningInterval {

    private final long intervalNanos;

    private final LongSupplier nanoTime;

    private final AtomicLong lastWarning;

    private final AtomicLong sinceWarning = new AtomicLong();

    public WarningInterval(Duration interval) {
        this(interval, System::nanoTime);
    }

    WarningInterval(Duration interval, LongSupplier nanoTime) {
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.lastWarning = new AtomicLong(nanoTime.getAsLong() - this.intervalNanos);
    }

    /**
     * Records {@code count} occurrences of the problem.
     *
     * @return the occurrences since the last WARN, these included, when a WARN is due now, or 0
     *         when it is not
     */
    public long record(long count) {
        long total = this.sinceWarning.addAndGet(count);
        long now = this.nanoTime.getAsLong();
        long last = this.lastWarning.get();
        if (now - last >= this.intervalNanos && this.lastWarning.compareAndSet(last, now)) {
            this.sinceWarning.addAndGet(-total);
            return total;
        }
        return 0;
    }

}
