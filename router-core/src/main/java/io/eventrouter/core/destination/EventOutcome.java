package io.eventrouter.core.destination;

import java.time.Duration;
import java.util.Objects;

/**
 * What became of one event in a {@link Delivery}.
 */
public sealed interface EventOutcome {

    static EventOutcome delivered() {
        return Delivered.INSTANCE;
    }

    /** The destination refused the event for good; retrying cannot help. */
    static EventOutcome rejected(String reason) {
        return new Rejected(reason);
    }

    /** The destination is throttling this event's device or user; pause them for {@code pause}. */
    static EventOutcome throttled(Duration pause) {
        return new Throttled(pause);
    }

    /**
     * The delivery failed transiently. {@code delay} is the destination's own request, such as a
     * {@code Retry-After} header, or zero to leave the delay to the pipeline's backoff.
     */
    static EventOutcome retryLater(Duration delay) {
        return new RetryLater(delay);
    }

    /** The destination took the event. */
    enum Delivered implements EventOutcome {
        INSTANCE
    }

    record Rejected(String reason) implements EventOutcome {

        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }

    }

    record Throttled(Duration pause) implements EventOutcome {

        public Throttled {
            requireNotNegative(pause, "pause");
        }

    }

    record RetryLater(Duration delay) implements EventOutcome {

        public RetryLater {
            requireNotNegative(delay, "delay");
        }

    }

    private static void requireNotNegative(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, but was " + duration);
        }
    }

}
