package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * How a destination's events are grouped into deliveries: a batch closes when it holds
 * {@code maxEvents} events, when adding the next event would take it past {@code maxBytes}, or
 * when its first event has waited {@code maxWait}, whichever comes first. A batch never mixes API
 * keys, and it always takes at least one event, however large.
 *
 * @param maxEvents the most events in one delivery
 * @param maxBytes the most UTF-8 bytes of event JSON in one delivery, one separator per event included
 * @param maxWait how long an event may wait for its batch to fill
 */
public record BatchPolicy(int maxEvents, long maxBytes, Duration maxWait) {

    /** No byte limit: the destination takes batches of any size. */
    public static final long UNLIMITED_BYTES = Long.MAX_VALUE;

    public BatchPolicy {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be at least 1, but was " + maxEvents);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1, but was " + maxBytes);
        }
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait must be positive, but was " + maxWait);
        }
    }

    /** Creates a policy without a byte limit. */
    public BatchPolicy(int maxEvents, Duration maxWait) {
        this(maxEvents, UNLIMITED_BYTES, maxWait);
    }

    public static BatchPolicy defaults() {
        return new BatchPolicy(100, Duration.ofSeconds(1));
    }

}
