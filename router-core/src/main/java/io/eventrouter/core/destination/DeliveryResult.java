package io.eventrouter.core.destination;

import java.util.Collections;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of a {@link Delivery}: one {@link EventOutcome} per event, in the delivery's order.
 *
 * @param failure what went wrong when events are to be retried, such as {@code HTTP 503}, for
 *        operators; never a credential. {@code null} when the destination gave no reason.
 */
public record DeliveryResult(List<EventOutcome> outcomes, @Nullable String failure) {

    public DeliveryResult {
        outcomes = List.copyOf(outcomes);
    }

    public DeliveryResult(List<EventOutcome> outcomes) {
        this(outcomes, null);
    }

    /** A result in which every one of {@code size} events has the same outcome. */
    public static DeliveryResult uniform(EventOutcome outcome, int size) {
        return new DeliveryResult(Collections.nCopies(size, outcome));
    }

    public static DeliveryResult delivered(int size) {
        return uniform(EventOutcome.delivered(), size);
    }

    /** Returns this result with {@code failure} as the reason its retried events failed. */
    public DeliveryResult withFailure(String failure) {
        return new DeliveryResult(this.outcomes, failure);
    }

    public int size() {
        return this.outcomes.size();
    }

}
