package io.eventrouter.core.identity;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fills the ids the router has linked into an Amplitude Experiment user before the bridge forwards an
 * evaluation request, so that a client that has not yet learnt its user id is still evaluated as
 * that user, and a server that has only the user id is evaluated on the user's device.
 *
 * <p>A user with a {@code device_id} but no {@code user_id} gets the device's last user, and a
 * user with a {@code user_id} but no {@code device_id} gets the device of the user's most recent
 * client event, however long ago: bucketing by device must stay stable, so no session window
 * applies. Values the user has are never replaced. Experiment requests carry a deployment key,
 * not the analytics API key, so the caller names the project's scope.
 */
public final class ExperimentUserFiller {

    private static final String USER_ID = "user_id";

    private static final String DEVICE_ID = "device_id";

    private final IdentityStore store;

    private final Duration timeout;

    /**
     * @param timeout how long a lookup may take before the user is forwarded as it came, which
     *        bounds the wait for a store that accepts connections but does not respond
     */
    public ExperimentUserFiller(IdentityStore store, Duration timeout) {
        this.store = Objects.requireNonNull(store, "store");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
        }
        this.timeout = timeout;
    }

    /**
     * Returns a copy of {@code user} with the ids it lacks filled in; the copy equals
     * {@code user} when the store has no link, fails or times out. Never signals an error.
     */
    public Mono<ObjectNode> fill(IdentityScope scope, ObjectNode user) {
        ObjectNode filled = user.deepCopy();
        String userId = text(filled, USER_ID);
        String deviceId = text(filled, DEVICE_ID);
        Mono<Void> lookup = Mono.empty();
        if (isMissing(filled, USER_ID) && deviceId != null) {
            lookup = this.store.findDeviceLink(scope, deviceId)
                    .doOnNext((link) -> filled.put(USER_ID, link.userId()))
                    .then();
        }
        else if (isMissing(filled, DEVICE_ID) && userId != null) {
            lookup = this.store.findUserActivity(scope, userId)
                    .doOnNext((activity) -> filled.put(DEVICE_ID, activity.deviceId()))
                    .then();
        }
        return lookup.timeout(this.timeout)
                .thenReturn(filled)
                .onErrorResume((error) -> Mono.just(user.deepCopy()));
    }

    /** Returns a non-empty string value, or null when the field is missing, null, empty or not a string. */
    private static @Nullable String text(ObjectNode user, String field) {
        JsonNode value = user.get(field);
        return (value != null && value.isString() && !value.stringValue().isEmpty()) ? value.stringValue() : null;
    }

    /** Tells whether the field is missing, null or an empty string. A value of another type counts as present. */
    private static boolean isMissing(ObjectNode user, String field) {
        JsonNode value = user.get(field);
        return value == null || value.isNull() || (value.isString() && value.stringValue().isEmpty());
    }

}
