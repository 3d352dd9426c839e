package io.eventrouter.core.source;

/**
 * The pipeline's receipt for a submission.
 *
 * @param eventCount how many events the acceptance stage took
 */
public record Acceptance(int eventCount) {

    public Acceptance {
        if (eventCount < 0) {
            throw new IllegalArgumentException("eventCount must not be negative, but was " + eventCount);
        }
    }

}
