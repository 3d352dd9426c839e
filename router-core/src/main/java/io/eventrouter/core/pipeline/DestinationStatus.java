package io.eventrouter.core.pipeline;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * The state of a destination's recent deliveries: whether the latest failed, since when and why.
 * A run of failures starts with the first delivery that fails for a reason worth retrying, such
 * as an error status, a reset or a timeout, and ends with the next delivery that succeeds.
 * Events the destination rejected for good become dead letters and do not start a run.
 *
 * @param failingSince when the first delivery of the current run of failures ended, or
 *        {@code null} when the latest delivery succeeded or none was made yet
 * @param failedDeliveries the number of failed deliveries in the current run
 * @param lastFailure the latest failed delivery's failure, such as {@code HTTP 503: Service unavailable}, or
 *        {@code null} outside a run
 */
public record DestinationStatus(@Nullable Instant failingSince, int failedDeliveries, @Nullable String lastFailure) {

    static final DestinationStatus DELIVERING = new DestinationStatus(null, 0, null);

    /** Returns whether the latest delivery failed. */
    public boolean failing() {
        return this.failingSince != null;
    }

    DestinationStatus failedAgain(Instant now, String failure) {
        return new DestinationStatus((this.failingSince != null) ? this.failingSince : now,
                this.failedDeliveries + 1, failure);
    }

}
