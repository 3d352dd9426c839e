package io.eventrouter.core.source;

/**
 * The pipeline's receipt for a submission.
 *
 * @param eventCount how many events the acceptance stage took into the spool
 * @param duplicates how many events it recognised as resends of events it had already taken.
 *        They are not dispatched again but count as ingested, so that the sender stops resending
 *        them.
 */
public record Acceptance(int eventCount, int duplicates) {

    public Acceptance {
        if (eventCount < 0) {
            throw new IllegalArgumentException("eventCount must not be negative, but was " + eventCount);
        }
        if (duplicates < 0) {
            throw new IllegalArgumentException("duplicates must not be negative, but was " + duplicates);
        }
    }

    /** Creates a receipt without duplicates. */
    public Acceptance(int eventCount) {
        this(eventCount, 0);
    }

    /** Returns how many events the sender may count as ingested: those taken and the duplicates. */
    public int ingested() {
        return this.eventCount + this.duplicates;
    }

}
