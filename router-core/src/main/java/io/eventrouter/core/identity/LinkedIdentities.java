package io.eventrouter.core.identity;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The identities linked to one device id or user id, as an operator sees them: one hop in each
 * direction, because the store keeps each id's latest link rather than its history.
 *
 * @param deviceId the device id asked for, or the device of the user's last activity
 * @param stableDeviceId the device id that {@code deviceId} is an alias of, when the router
 *        replaces it to keep a browser's device id stable; otherwise null
 * @param userId the user asked for, or the user the device was last seen with
 * @param lastActivity the user's most recent client event, or null when unknown
 */
public record LinkedIdentities(@Nullable String deviceId, @Nullable String stableDeviceId,
        @Nullable String userId, @Nullable UserActivity lastActivity) {

    /** Tells whether the store has no link for the id. */
    public boolean isEmpty() {
        return this.stableDeviceId == null && this.userId == null && this.lastActivity == null;
    }

    static LinkedIdentities ofDevice(String deviceId, @Nullable String stableDeviceId, @Nullable String userId,
            @Nullable UserActivity lastActivity) {
        return new LinkedIdentities(Objects.requireNonNull(deviceId, "deviceId"), stableDeviceId, userId,
                lastActivity);
    }

}
