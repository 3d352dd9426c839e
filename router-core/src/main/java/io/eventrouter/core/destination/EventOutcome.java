package io.eventrouter.core.destination;

import java.time.Duration;
import java.util.Objects;

/**
 * The result of one event in a {@link Delivery}.
 */
public sealed interface EventOutcome {

    static EventOutcome delivered() {
        return Delivered.INSTANCE;
    }

    /** Returns the outcome of an event the destination rejected for good, so retrying cannot help. */
    static EventOutcome rejected(String detail) {
        return new Rejected(RejectionReason.REFUSED, detail);
    }

    /** Returns the outcome of an event the destination rejected for good, for a known {@code reason}. */
    static EventOutcome rejected(RejectionReason reason, String detail) {
        return new Rejected(reason, detail);
    }

    /** Returns the outcome of an event whose device or user the destination throttles for {@code pause}. */
    static EventOutcome throttled(Duration pause) {
        return new Throttled(pause);
    }

    /**
     * Returns the outcome of a delivery that failed transiently. {@code delay} is the
     * destination's own request, such as a {@code Retry-After} header, or zero to leave the delay
     * to the pipeline's backoff.
     */
    static EventOutcome retryLater(Duration delay) {
        return new RetryLater(delay, false);
    }

    /**
     * Returns the outcome of a valid event that the destination did not take only because it
     * refused the batch for other events in it. The event is sent again like one that failed
     * transiently, but its resend is not logged as a failure of the destination.
     */
    static EventOutcome resend() {
        return new RetryLater(Duration.ZERO, true);
    }

    /**
     * Returns the outcome of {@link #resend()}, sent again no sooner than {@code delay}, which the
     * destination asked for, such as a {@code Retry-After} header.
     */
    static EventOutcome resend(Duration delay) {
        return new RetryLater(delay, true);
    }

    /**
     * Returns the outcome of a batch too large for the destination. The pipeline splits the batch
     * in halves and delivers each half. A single event that is still too large is rejected as
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
     * @param detail the destination's message, for operators; never a credential
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

    /**
     * @param delay how long the destination asked to wait, or zero
     * @param resend whether the destination refused only the batch, for other events in it
     */
    record RetryLater(Duration delay, boolean resend) implements EventOutcome {

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
