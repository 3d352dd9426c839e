package io.eventrouter.core.source;

import java.time.Duration;
import java.util.Objects;

/**
 * Signals that the pipeline did not accept a submission. None of its events were taken, so the
 * sender may retry the whole submission after {@link #retryAfter()}.
 */
public class AcceptanceException extends RuntimeException {

    private final Reason reason;

    private final Duration retryAfter;

    public AcceptanceException(Reason reason, Duration retryAfter, String message) {
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public Reason reason() {
        return this.reason;
    }

    /** How long the sender should wait before it tries again. */
    public Duration retryAfter() {
        return this.retryAfter;
    }

    /** Why a submission was not accepted. */
    public enum Reason {

        /** The queue in front of the acceptance stage is full: the spool cannot keep up. */
        QUEUE_FULL,

        /** The spool reached its configured size or the disk is full. */
        SPOOL_FULL,

        /** The pipeline is shutting down or not started. */
        NOT_RUNNING,

        /** The request bodies in memory have reached their share of the heap. */
        MEMORY_FULL

    }

}
