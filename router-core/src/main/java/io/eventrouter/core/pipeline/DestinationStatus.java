package io.eventrouter.core.pipeline;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * The state of a destination's recent deliveries: whether the latest failed, since when and why,
 * and how many events wait to be sent again. A run of failures starts with the first delivery
 * that fails for a reason worth retrying, such as an error status, a reset or a timeout, and ends
 * with the next delivery the destination settles: it took events, or rejected them, which
 * makes them dead letters. Events of other devices can succeed while one device's
 * events keep failing, which ends the run, so {@code retryingEvents} and {@code retryingSince}
 * show events that stay stuck. Events the destination rejected for good become dead letters and
 * count in neither.
 *
 * @param failingSince when the first delivery of the current run of failures ended, or
 *        {@code null} outside a run or before the first delivery
 * @param failedDeliveries the number of failed deliveries in the current run
 * @param lastFailure the latest failed delivery's failure, such as
 *        {@code HTTP 503: Service unavailable}, or {@code null} outside a run
 * @param retryingEvents the events waiting to be sent again after a failed or throttled delivery,
 *        on the heap or parked in the spool
 * @param retryingSince when the first delivery of the longest-waiting of those events was made,
 *        or {@code null} when none waits
 * @param pausedDevices the devices and users whose waiting events are parked in the spool rather
 *        than held on the heap, until their pause ends or their retry is due
 */
public record DestinationStatus(@Nullable Instant failingSince, int failedDeliveries, @Nullable String lastFailure,
        int retryingEvents, @Nullable Instant retryingSince, int pausedDevices) {

    static final DestinationStatus DELIVERING = new DestinationStatus(null, 0, null, 0, null, 0);

    /** Returns whether the latest delivery failed. */
    public boolean failing() {
        return this.failingSince != null;
    }

    DestinationStatus failedAgain(Instant now, String failure) {
        return new DestinationStatus((this.failingSince != null) ? this.failingSince : now,
                this.failedDeliveries + 1, failure, this.retryingEvents, this.retryingSince, this.pausedDevices);
    }

    DestinationStatus succeeded() {
        return new DestinationStatus(null, 0, null, this.retryingEvents, this.retryingSince, this.pausedDevices);
    }

    DestinationStatus retrying(int events, @Nullable Instant since, int paused) {
        return new DestinationStatus(this.failingSince, this.failedDeliveries, this.lastFailure, events, since,
                paused);
    }

}
