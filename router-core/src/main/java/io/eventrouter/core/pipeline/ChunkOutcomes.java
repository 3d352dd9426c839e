package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.destination.RejectionReason;

/**
 * The outcomes of one delivered chunk, sorted by what the dispatcher does next with each event.
 * A delivery that failed as a whole counts as "retry later" for every event. Pending events
 * compare by identity, so the maps and sets here are keyed by the instance.
 */
final class ChunkOutcomes {

    final List<PendingEvent> delivered = new ArrayList<>();

    /** Events to dead-letter, with the reason; insertion order is the chunk's order. */
    final Map<PendingEvent, Rejection> rejected = new LinkedHashMap<>();

    final Set<PendingEvent> throttled = new HashSet<>();

    /** The longest pause a throttling response requested. */
    Duration pause = Duration.ZERO;

    /** How many events failed transiently or are sent again. */
    int retried;

    /** How many of the retried events the destination refused only for other events of the chunk. */
    int resent;

    /** The longest delay a "retry later" response requested, such as a {@code Retry-After}. */
    Duration retryDelay = Duration.ZERO;

    /** Whether the destination found the chunk too large; the chunk then has more than one event. */
    boolean tooLarge;

    String failure = "the destination asked to retry later";

    private final int chunkSize;

    private ChunkOutcomes(int chunkSize) {
        this.chunkSize = chunkSize;
    }

    static ChunkOutcomes sort(List<PendingEvent> chunk, DestinationDispatcher.Answer answer) {
        ChunkOutcomes outcomes = new ChunkOutcomes(chunk.size());
        DeliveryResult result = answer.result();
        if (result == null || result.size() != chunk.size()) {
            outcomes.retried = chunk.size();
            outcomes.failure = (result == null) ? String.valueOf(answer.failure())
                    : "the destination returned " + result.size() + " outcomes for " + chunk.size() + " events";
            return outcomes;
        }
        for (int i = 0; i < chunk.size(); i++) {
            outcomes.add(chunk.get(i), result.outcomes().get(i), chunk.size());
        }
        if (result.failure() != null) {
            outcomes.failure = result.failure();
        }
        return outcomes;
    }

    private void add(PendingEvent event, EventOutcome outcome, int chunkSize) {
        if (outcome instanceof EventOutcome.Rejected rejection) {
            this.rejected.put(event, new Rejection(rejection.reason().code(), rejection.detail()));
        }
        else if (outcome instanceof EventOutcome.TooLarge) {
            if (chunkSize == 1) {
                this.rejected.put(event, new Rejection(RejectionReason.PAYLOAD_TOO_LARGE.code(),
                        "The event alone is larger than the destination accepts"));
            }
            else {
                this.tooLarge = true;
            }
        }
        else if (outcome instanceof EventOutcome.Throttled throttle) {
            this.throttled.add(event);
            this.pause = max(this.pause, throttle.pause());
        }
        else if (outcome instanceof EventOutcome.RetryLater retryLater) {
            this.retried++;
            if (retryLater.resend()) {
                this.resent++;
            }
            this.retryDelay = max(this.retryDelay, retryLater.delay());
        }
        else {
            this.delivered.add(event);
        }
    }

    /**
     * Returns whether the delivery failed as a whole, as after a 5xx, a reset or a timeout: every
     * event is to be retried, and none only because the destination named others.
     */
    boolean failedWhole() {
        return this.retried == this.chunkSize && this.resent == 0;
    }

    /** Names the delivery's outcome for the latency timer: delivered, partial or failed. */
    String label() {
        int settledOrWaiting = this.rejected.size() + this.throttled.size() + this.retried + (this.tooLarge ? 1 : 0);
        if (settledOrWaiting == 0) {
            return "delivered";
        }
        return this.delivered.isEmpty() ? "failed" : "partial";
    }

    private static Duration max(Duration a, Duration b) {
        return (a.compareTo(b) >= 0) ? a : b;
    }

}
