package io.eventrouter.core.deadletter;

import java.time.Instant;
import java.util.Objects;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;

/**
 * An event that did not reach a destination, with what is needed to understand and replay it.
 * The event keeps its {@link io.eventrouter.core.event.RequestContext}, so a replay sends it with
 * its own API key.
 *
 * @param destination the destination the event did not reach
 * @param source the source the event was accepted from
 * @param event the event, as it was accepted
 * @param reason why it was given up, a code from a small fixed set such as {@code invalid-event}
 *        or {@code retry-budget-exhausted}
 * @param detail the destination's message, or the last failure; never a credential
 * @param attempts how many deliveries of the event were tried
 * @param firstAttempt when the first delivery was tried
 * @param lastAttempt when the last delivery was tried
 */
public record DeadLetter(DestinationId destination, SourceId source, Event event, String reason, String detail,
        int attempts, Instant firstAttempt, Instant lastAttempt) {

    /** The reason of events whose retry budget ran out before a destination took them. */
    public static final String RETRY_BUDGET_EXHAUSTED = "retry-budget-exhausted";

    public DeadLetter {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(firstAttempt, "firstAttempt");
        Objects.requireNonNull(lastAttempt, "lastAttempt");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, but was " + attempts);
        }
    }

}
