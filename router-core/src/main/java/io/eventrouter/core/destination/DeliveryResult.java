package io.eventrouter.core.destination;

import java.util.Collections;
import java.util.List;

/**
 * The outcome of a {@link Delivery}: one {@link EventOutcome} per event, in the delivery's order.
 */
public record DeliveryResult(List<EventOutcome> outcomes) {

    public DeliveryResult {
        outcomes = List.copyOf(outcomes);
    }

    /** A result in which every one of {@code size} events has the same outcome. */
    public static DeliveryResult uniform(EventOutcome outcome, int size) {
        return new DeliveryResult(Collections.nCopies(size, outcome));
    }

    public static DeliveryResult delivered(int size) {
        return uniform(EventOutcome.delivered(), size);
    }

    public int size() {
        return this.outcomes.size();
    }

}
