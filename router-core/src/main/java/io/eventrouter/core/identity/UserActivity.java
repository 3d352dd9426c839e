package io.eventrouter.core.identity;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The device and session a user was last active on, which server events that carry only the
 * user id borrow so that the destination places them in the same session.
 *
 * @param deviceId the device id of the user's most recent client event
 * @param sessionId that event's session id, or {@link #NO_SESSION} when it had none
 * @param time when the user was active, in milliseconds since the epoch; a store keeps the
 *        activity with the latest time
 */
public record UserActivity(String deviceId, long sessionId, long time) {

    /** Amplitude's session id for "no session". */
    public static final long NO_SESSION = -1;

    public UserActivity {
        Objects.requireNonNull(deviceId, "deviceId");
        if (deviceId.isEmpty()) {
            throw new IllegalArgumentException("deviceId must not be empty");
        }
    }

    /** Returns the session id, absent when it is {@link #NO_SESSION}. */
    public OptionalLong session() {
        return (this.sessionId == NO_SESSION) ? OptionalLong.empty() : OptionalLong.of(this.sessionId);
    }

}
