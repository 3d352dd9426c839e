package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.List;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.spool.Spool;
import org.jspecify.annotations.Nullable;

/**
 * The pipeline's record of its last spool-full rejection, so that sources can turn uploads away
 * before anyone decodes them. The spool counts as full from such a rejection until the
 * destinations' backlog falls below what it was then, or for {@link #MAX_HOLD} at most. The next
 * append after that finds out whether there is room again.
 *
 * <p>Thread-safe: appends fail on the acceptance stage's threads and sources ask on request threads.
 */
final class SpoolPressure {

    /** Bounds how long a stale record can turn uploads away if the backlog never moves. */
    static final Duration MAX_HOLD = Duration.ofSeconds(1);

    private final Spool spool;

    private final List<DestinationId> destinations;

    private volatile @Nullable Full full;

    SpoolPressure(Spool spool, List<DestinationId> destinations) {
        this.spool = spool;
        this.destinations = List.copyOf(destinations);
    }

    /** Records a failed append; only a full spool is remembered. */
    void appendFailed(Throwable error) {
        if (error instanceof AcceptanceException rejection
                && rejection.reason() == AcceptanceException.Reason.SPOOL_FULL) {
            this.full = new Full(rejection, backlog(), System.nanoTime());
        }
    }

    /** Returns the rejection an append made now would most likely get, or {@code null} when there may be room. */
    @Nullable AcceptanceException rejection() {
        Full last = this.full;
        if (last == null) {
            return null;
        }
        if (System.nanoTime() - last.since >= MAX_HOLD.toNanos() || backlog() < last.backlog) {
            this.full = null;
            return null;
        }
        return last.rejection;
    }

    private long backlog() {
        long backlog = 0;
        for (DestinationId destination : this.destinations) {
            backlog += this.spool.backlog(destination);
        }
        return backlog;
    }

    private record Full(AcceptanceException rejection, long backlog, long since) {
    }

}
