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
    static EventOutcome rejected(String detail) {
        return new Rejected(RejectionReason.REFUSED, detail);
    }

    /** The destination refused the event for good, for a known {@code reason}. */
    static EventOutcome rejected(RejectionReason reason, String detail) {
        return new Rejected(reason, detail);
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

    /**
     * The batch was too large for the destination. The pipeline splits it in halves and delivers
     * each half; a single event that is still too large is rejected as
     * {@link RejectionReason#PAYLOAD_TOO_LARGE}.
     */
    static EventOutcome tooLarge() {
        return TooLarge.INSTANCE;
    }

    /** The destination took the event. */
    enum Delivered implements EventOutcome {
        INSTANCE
    }

    /** The batch exceeded the destination's size limits; see {@link #tooLarge()}. */
    enum TooLarge implements EventOutcome {
        INSTANCE
    }

    /**
     * A permanent refusal.
     *
     * @param reason the kind of refusal, from a fixed set
     * @param detail what the destination said, for operators; never a credential
     */
    record Rejected(RejectionReason reason, String detail) implements EventOutcome {

        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
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
