package io.eventrouter.core.identity;

import reactor.core.publisher.Mono;

/**
 * Where identity links live: for each device the user it was last seen with, for each user the
 * device and session it was last active on, and the links that keep a browser's device id stable.
 * The port between {@link IdentityStitcher} and a storage technology.
 *
 * <p>Implementations provide {@link #find} and {@link #record}; the typed methods build on them.
 * Writes keep the link with the latest {@code time} and replace on equal times, so the order in
 * which concurrent writers or several router instances record links does not change the final
 * state. Implementations are thread-safe and signal storage failures as errors. They should not
 * block the subscribing thread for long, because the stitcher calls them from the acceptance
 * stage.
 */
public interface IdentityStore extends AutoCloseable {

    /** Returns the link of the given kind from {@code id}; empty when there is none. */
    Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id);

    /** Records a link of the given kind from {@code id}, unless the stored one is newer. */
    Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link);

    /** Returns the user the device was last seen with; empty when the device is unknown. */
    default Mono<DeviceLink> findDeviceLink(IdentityScope scope, String deviceId) {
        return find(scope, LinkKind.DEVICE_USER, deviceId)
                .map((link) -> new DeviceLink(link.linkedId(), link.time()));
    }

    /** Returns the device and session the user was last active on; empty when the user is unknown. */
    default Mono<UserActivity> findUserActivity(IdentityScope scope, String userId) {
        return find(scope, LinkKind.USER_ACTIVITY, userId)
                .map((link) -> new UserActivity(link.linkedId(), link.sessionId(), link.time()));
    }

    /** Records the user a device was seen with, unless the stored link is newer. */
    default Mono<Void> recordDeviceLink(IdentityScope scope, String deviceId, DeviceLink link) {
        return record(scope, LinkKind.DEVICE_USER, deviceId, IdentityLink.of(link.userId(), link.time()));
    }

    /** Records the device and session a user was active on, unless the stored activity is newer. */
    default Mono<Void> recordUserActivity(IdentityScope scope, String userId, UserActivity activity) {
        return record(scope, LinkKind.USER_ACTIVITY, userId,
                new IdentityLink(activity.deviceId(), activity.sessionId(), activity.time()));
    }

    /** Releases the store's resources and makes what it recorded durable; later calls fail. */
    @Override
    void close();

}
