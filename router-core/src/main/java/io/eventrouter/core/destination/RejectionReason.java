package io.eventrouter.core.destination;

/**
 * The reason a destination rejected an event for good. The set is small and fixed because each
 * value tags metrics and names the reason of a dead letter. The free-text detail goes beside it.
 */
public enum RejectionReason {

    /** The destination found the event invalid, such as a missing field or an id that is too short. */
    INVALID_EVENT("invalid-event"),

    /** The destination does not know the API key of the event's request. */
    INVALID_API_KEY("invalid-api-key"),

    /** The event alone is larger than the destination accepts. */
    PAYLOAD_TOO_LARGE("payload-too-large"),

    /** The event's device or user used up its daily quota at the destination. */
    DAILY_QUOTA_EXCEEDED("daily-quota-exceeded"),

    /** Any other permanent refusal, such as an unexpected 4xx status. */
    REFUSED("refused");

    private final String code;

    RejectionReason(String code) {
        this.code = code;
    }

    /** Returns the lower-case, hyphenated name used in metric tags and dead letters. */
    public String code() {
        return this.code;
    }

}
