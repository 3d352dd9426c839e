package io.eventrouter.core.identity;

import java.util.Objects;
import java.util.Optional;

import reactor.core.publisher.Mono;

/**
 * Reads the links around one device id or user id for operators, such as the admin endpoint that
 * shows whose device an id is. Read only: looking up never changes what is stitched.
 */
public final class IdentityLookup {

    private final IdentityStore store;

    public IdentityLookup(IdentityStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Returns the device's stable device id, its last user and that user's last activity. The
     * result {@link LinkedIdentities#isEmpty() is empty} when the device is unknown.
     */
    public Mono<LinkedIdentities> ofDevice(IdentityScope scope, String deviceId) {
        return optional(this.store.find(scope, LinkKind.DEVICE_ALIAS, deviceId))
                .flatMap((alias) -> {
                    String stable = alias.map(IdentityLink::linkedId).orElse(deviceId);
                    return optional(this.store.findDeviceLink(scope, stable))
                            .flatMap((link) -> userActivity(scope, link.map(DeviceLink::userId))
                                    .map((activity) -> LinkedIdentities.ofDevice(deviceId,
                                            alias.map(IdentityLink::linkedId).orElse(null),
                                            link.map(DeviceLink::userId).orElse(null), activity.orElse(null))));
                });
    }

    /**
     * Returns the user's last activity, with its device. The result
     * {@link LinkedIdentities#isEmpty() is empty} when the user is unknown.
     */
    public Mono<LinkedIdentities> ofUser(IdentityScope scope, String userId) {
        Objects.requireNonNull(userId, "userId");
        return optional(this.store.findUserActivity(scope, userId))
                .map((activity) -> activity
                        .map((known) -> new LinkedIdentities(known.deviceId(), null, userId, known))
                        .orElseGet(() -> new LinkedIdentities(null, null, null, null)));
    }

    private Mono<Optional<UserActivity>> userActivity(IdentityScope scope, Optional<String> userId) {
        return userId.map((id) -> optional(this.store.findUserActivity(scope, id)))
                .orElseGet(() -> Mono.just(Optional.empty()));
    }

    private static <T> Mono<Optional<T>> optional(Mono<T> value) {
        return value.map(Optional::of).defaultIfEmpty(Optional.empty());
    }

}
