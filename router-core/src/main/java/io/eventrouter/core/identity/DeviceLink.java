package io.eventrouter.core.identity;

import java.util.Objects;

/**
 * The user a device was last seen with: the link that gives a device's later anonymous events
 * their user, as Amplitude attributes them to the device's last known user.
 *
 * @param userId the user id the device was last seen with
 * @param time when that happened, in milliseconds since the epoch. A store keeps the link with
 *        the latest time, so links recorded out of order converge to the same state.
 */
public record DeviceLink(String userId, long time) {

    public DeviceLink {
        Objects.requireNonNull(userId, "userId");
        if (userId.isEmpty()) {
            throw new IllegalArgumentException("userId must not be empty");
        }
    }

}
