package io.eventrouter.core.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * Events a dispatcher delivers together until each is settled: a fresh batch, or what is left of
 * a batch after a failed delivery. A group is delivered in chunks from its head, so the events
 * of one device keep their order across retries and 413 splits. While a group contains an event
 * of a device, every later event of that device waits in the spool. A group that splits puts all
 * the events of one device in the same part.
 *
 * <p>Confined to the dispatcher's thread.
 */
final class RetryGroup {

    static final long NOT_EARLY = Long.MIN_VALUE;

    /** In acceptance order. */
    final List<PendingEvent> events;

    /** Failed deliveries counted against the retry budget. */
    int attempts;

    /** Scheduler time in milliseconds of the first delivery of any of the events. */
    final long firstAttempt;

    long lastAttempt;

    /** Scheduler time in milliseconds at which the last failed delivery was sent, {@link Long#MAX_VALUE} before one. */
    long lastFailedSend = Long.MAX_VALUE;

    /** Scheduler time in milliseconds from which the group may be delivered again. */
    long dueAt;

    /**
     * The due time the group keeps while it goes out early, to find out whether the destination
     * takes events again, else {@link #NOT_EARLY}. An early delivery that fails as a whole spends
     * no attempt, and the group waits for this time again.
     */
    long keptDueAt = NOT_EARLY;

    /**
     * Whether the group was made due at once, since its last retry at its due time, because the
     * destination took events again. Until that retry, it is not made due that way again.
     */
    boolean recalled;

    /** The maximum number of events in one chunk, halved on each "too large" response. */
    int maxChunk;

    /** Whether the group waits for a throttling pause rather than for a retry after a failure. */
    boolean throttled;

    /** The last failure, for the dead letter if the budget runs out. */
    String lastFailure = "none";

    RetryGroup(List<PendingEvent> events, int attempts, long firstAttempt, int maxChunk) {
        this.events = new ArrayList<>(events);
        this.attempts = attempts;
        this.firstAttempt = firstAttempt;
        this.lastAttempt = firstAttempt;
        this.maxChunk = maxChunk;
    }

    /** Creates a group for events split off this one, sharing its budget so far. */
    RetryGroup splitOff(List<PendingEvent> moved) {
        RetryGroup group = new RetryGroup(moved, this.attempts, this.firstAttempt, this.maxChunk);
        group.lastAttempt = this.lastAttempt;
        group.lastFailedSend = this.lastFailedSend;
        group.lastFailure = this.lastFailure;
        return group;
    }

}
