package io.eventrouter.core.identity;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * An identity store that returns its results on the calling thread without waiting for I/O, such
 * as {@link EmbeddedIdentityStore}. The stitcher calls these methods rather than the {@code Mono}
 * ones when its store offers them, because creating and subscribing to a {@code Mono} per lookup
 * costs more than an in-memory lookup itself. The results equal those of the {@code Mono} methods.
 *
 * <p>{@link #prefetch} lets a caller with many lookups at hand, such as the events of one upload,
 * announce them first. A lookup in a large store usually waits for main memory; the prefetch
 * issues those reads together, so that their waits overlap instead of adding up.
 */
public interface SynchronousIdentityStore extends IdentityStore {

    /** Returns the link of the given kind from {@code id}; null when there is none. */
    @Nullable IdentityLink findNow(IdentityScope scope, LinkKind kind, String id);

    /** Records a link of the given kind from {@code id}, unless the stored one is newer. */
    void recordNow(IdentityScope scope, LinkKind kind, String id, IdentityLink link);

    /**
     * Reads the given links into the processor's caches, so that the {@link #findNow} and
     * {@link #recordNow} calls that follow find them there. Changes nothing and returns nothing:
     * the later calls return what they would have returned without it.
     */
    void prefetch(IdentityScope scope, List<LinkKey> links);

    /** Returns the user the device was last seen with; null when the device is unknown. */
    default @Nullable DeviceLink findDeviceLinkNow(IdentityScope scope, String deviceId) {
        IdentityLink link = findNow(scope, LinkKind.DEVICE_USER, deviceId);
        return (link != null) ? new DeviceLink(link.linkedId(), link.time()) : null;
    }

    /** Returns the device and session the user was last active on; null when the user is unknown. */
    default @Nullable UserActivity findUserActivityNow(IdentityScope scope, String userId) {
        IdentityLink link = findNow(scope, LinkKind.USER_ACTIVITY, userId);
        return (link != null) ? new UserActivity(link.linkedId(), link.sessionId(), link.time()) : null;
    }

    /** Records the user a device was seen with, unless the stored link is newer. */
    default void recordDeviceLinkNow(IdentityScope scope, String deviceId, DeviceLink link) {
        recordNow(scope, LinkKind.DEVICE_USER, deviceId, IdentityLink.of(link.userId(), link.time()));
    }

    /** Records the device and session a user was active on, unless the stored activity is newer. */
    default void recordUserActivityNow(IdentityScope scope, String userId, UserActivity activity) {
        recordNow(scope, LinkKind.USER_ACTIVITY, userId,
                new IdentityLink(activity.deviceId(), activity.sessionId(), activity.time()));
    }

}
