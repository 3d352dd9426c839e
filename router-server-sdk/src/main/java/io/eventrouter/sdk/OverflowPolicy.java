package io.eventrouter.sdk;

/**
 * Policy for a publish that would take more events than the publisher's buffer has room for.
 *
 * @since 0.1.0
 */
public enum OverflowPolicy {

    /**
     * Fails the publish with {@link PublishException.Reason#BUFFER_FULL}, so the caller can slow
     * down, retry or keep the event elsewhere.
     */
    REJECT,

    /**
     * Discards the events, counts them in {@link PublisherStats#dropped()} and completes the
     * publish normally, for callers that prefer losing analytics to handling errors.
     */
    DROP

}
