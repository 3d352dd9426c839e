package io.eventrouter.core.identity;

import reactor.core.publisher.Mono;

/**
 * Where identity links live: for each device the user it was last seen with, for each user the
 * device and session it was last active on. The port between {@link IdentityStitcher} and a
 * storage technology.
 *
 * <p>Writes keep the value with the latest {@code time} and replace on equal times, so the order
 * in which concurrent writers or several router instances record links does not change the final
 * state. Implementations are thread-safe and signal storage failures as errors. They should not
 * block the subscribing thread for long, because the stitcher calls them from the acceptance
 * stage.
 */
public interface IdentityStore extends AutoCloseable {

    /** Returns the user the device was last seen with; empty when the device is unknown. */
    Mono<DeviceLink> findDeviceLink(IdentityScope scope, String deviceId);

    /** Returns the device and session the user was last active on; empty when the user is unknown. */
    Mono<UserActivity> findUserActivity(IdentityScope scope, String userId);

    /** Records the user a device was seen with, unless the stored link is newer. */
    Mono<Void> recordDeviceLink(IdentityScope scope, String deviceId, DeviceLink link);

    /** Records the device and session a user was active on, unless the stored activity is newer. */
    Mono<Void> recordUserActivity(IdentityScope scope, String userId, UserActivity activity);

    /** Releases the store's resources and makes what it recorded durable; later calls fail. */
    @Override
    void close();

}
