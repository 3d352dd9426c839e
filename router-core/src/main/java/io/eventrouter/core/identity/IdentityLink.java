package io.eventrouter.core.identity;

import java.util.Objects;

/**
 * One link as an {@link IdentityStore} keeps it: the id it leads to, a session id where the kind
 * has one, and the time of the event that recorded it.
 *
 * @param linkedId the id the link leads to, such as the user id of a device
 * @param sessionId the session id for {@link LinkKind#USER_ACTIVITY}, otherwise
 *        {@link UserActivity#NO_SESSION}
 * @param time when the link was seen, in milliseconds since the epoch. A store keeps the link
 *        with the latest time, so links recorded out of order converge to the same state.
 */
public record IdentityLink(String linkedId, long sessionId, long time) {

    public IdentityLink {
        Objects.requireNonNull(linkedId, "linkedId");
        if (linkedId.isEmpty()) {
            throw new IllegalArgumentException("linkedId must not be empty");
        }
    }

    /** Returns a link without a session. */
    public static IdentityLink of(String linkedId, long time) {
        return new IdentityLink(linkedId, UserActivity.NO_SESSION, time);
    }

}
