package io.eventrouter.sdk;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Signals that a published event was not accepted. {@link #reason()} shows whether trying again
 * can help.
 *
 * @since 0.1.0
 */
public class PublishException extends RuntimeException {

    private final Reason reason;

    private final Duration retryAfter;

    /**
     * @param retryAfter how long the caller should wait before trying again; zero when unknown
     */
    public PublishException(Reason reason, String message, Duration retryAfter, @Nullable Throwable cause) {
        // No stack trace: these are expected outcomes, raised on hot paths, and the stack of a
        // sending thread means nothing to the caller.
        super(message, cause, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public PublishException(Reason reason, String message) {
        this(reason, message, Duration.ZERO, null);
    }

    /** Returns why the event was not accepted. */
    public Reason reason() {
        return this.reason;
    }

    /** Returns how long to wait before trying again, zero when the cause gave no hint. */
    public Duration retryAfter() {
        return this.retryAfter;
    }

    /**
     * Reason an event was not accepted.
     *
     * @since 0.1.0
     */
    public enum Reason {

        /** The publisher's buffer was full and its overflow policy is {@link OverflowPolicy#REJECT}. */
        BUFFER_FULL,

        /** The router's pipeline could not take the event now (in-process); retrying later may work. */
        UNAVAILABLE,

        /** The endpoint refused the event for good, for instance as invalid; retrying cannot help. */
        REJECTED,

        /** Every attempt failed transiently (HTTP): server errors, throttling, timeouts or resets. */
        RETRIES_EXHAUSTED,

        /**
         * The publisher was closed before it learnt that the event was accepted. Over HTTP the
         * endpoint may have accepted it all the same; publishing the same event again is safe.
         */
        CLOSED

    }

}
