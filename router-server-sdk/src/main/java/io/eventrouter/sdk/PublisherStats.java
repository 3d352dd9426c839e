package io.eventrouter.sdk;

/**
 * Counters of one publisher since it was built.
 *
 * @param accepted events accepted by the pipeline or the endpoint
 * @param failed events whose publish failed with a {@link PublishException}, buffer-full
 *        rejections included
 * @param dropped events discarded by {@link OverflowPolicy#DROP}
 * @param pending events published but not yet settled, at most the buffer capacity
 * @since 0.1.0
 */
public record PublisherStats(long accepted, long failed, long dropped, int pending) {
}
