package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * How a destination's events are grouped into deliveries: a batch closes when it holds
 * {@code maxEvents} events or when its first event has waited {@code maxWait}, whichever comes
 * first. A closed batch may still be split, because one delivery never mixes API keys.
 *
 * @param maxEvents the most events in one delivery
 * @param maxWait how long an event may wait for its batch to fill
 */
public record BatchPolicy(int maxEvents, Duration maxWait) {

    public BatchPolicy {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be at least 1, but was " + maxEvents);
        }
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait must be positive, but was " + maxWait);
        }
    }

    public static BatchPolicy defaults() {
        return new BatchPolicy(100, Duration.ofSeconds(1));
    }

}
