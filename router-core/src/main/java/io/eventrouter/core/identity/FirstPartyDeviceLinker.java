package io.eventrouter.core.identity;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps a browser's device id stable when the SDK's own storage expires but the router's
 * first-party cookie survives.
 *
 * <p>Browser SDKs keep their device id in storage that scripts write, which Safari deletes after
 * 7 days without a visit. The SDK then creates a new device id, and Amplitude counts a new
 * device. The router's cookie is set by the server with {@code HttpOnly}, so it outlives that
 * storage when the router shares the site's origin. This class links the cookie to the device id
 * it first saw with it. When the same cookie later arrives with a different device id, the
 * linker decides between two causes:
 * <ul>
 * <li>The old device id was last seen at least the storage-expiry gap ago (7 days by default),
 * and the event carries no user id or the user the old device was last seen with. Then the
 * storage expired: the event gets the old device id, and the new one is remembered as an alias
 * of it, so that its later events get the old id too.
 * <li>Otherwise the new device id comes from a logout, which SDKs perform by creating a new
 * device id, or from another person. The cookie moves to the new device id, and nothing is
 * rewritten, so two users are never linked.
 * </ul>
 * A replaced device id is listed in {@link StitchedFields#PROPERTY}, and the id the client sent
 * is kept under {@link StitchedFields#ORIGINAL_DEVICE_ID_PROPERTY}.
 *
 * <p>The edge that reads the cookie calls {@link #link} before it submits the events, so that the
 * spool receives them already linked. Like the stitcher, the linker passes events unchanged when
 * the store fails.
 */
public final class FirstPartyDeviceLinker {

    /** Refreshes the cookie's last-seen time at most this often, to spare the store a write per event. */
    private static final long TOUCH_INTERVAL_MILLIS = Duration.ofMinutes(1).toMillis();

    private final IdentityStore store;

    private final long storageExpiryMillis;

    private final InstantSource clock;

    /**
     * Creates a linker.
     *
     * @param storageExpiryGap how long a device id must have been unseen before a new device id
     *        under the same cookie counts as expired storage rather than a logout
     */
    public FirstPartyDeviceLinker(IdentityStore store, Duration storageExpiryGap, InstantSource clock) {
        this.store = Objects.requireNonNull(store, "store");
        if (storageExpiryGap.isNegative() || storageExpiryGap.isZero()) {
            throw new IllegalArgumentException("storageExpiryGap must be positive, but was " + storageExpiryGap);
        }
        this.storageExpiryMillis = storageExpiryGap.toMillis();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Links the events of one upload to the first-party device id from the request's cookie, one
     * after another. Never signals an error.
     */
    public Mono<List<Event>> link(String firstPartyDeviceId, List<Event> events) {
        Objects.requireNonNull(firstPartyDeviceId, "firstPartyDeviceId");
        return Flux.fromIterable(events)
                .concatMap((event) -> link(firstPartyDeviceId, event))
                .collectList();
    }

    private Mono<Event> link(String firstPartyDeviceId, Event event) {
        Optional<String> deviceId = event.deviceId();
        if (deviceId.isEmpty()) {
            return Mono.just(event);
        }
        IdentityScope scope = IdentityScope.ofApiKey(event.context().apiKey());
        long time = event.time().orElseGet(this.clock::millis);
        return this.store.find(scope, LinkKind.DEVICE_ALIAS, deviceId.get())
                .flatMap((alias) -> touchIfCurrent(scope, firstPartyDeviceId, alias.linkedId(), time)
                        .thenReturn(replaceDeviceId(event, alias.linkedId())))
                .switchIfEmpty(Mono.defer(() -> linkByCookie(scope, firstPartyDeviceId, event, deviceId.get(), time)))
                .onErrorResume((error) -> Mono.just(event));
    }

    private Mono<Event> linkByCookie(IdentityScope scope, String cookie, Event event, String deviceId, long time) {
        return this.store.find(scope, LinkKind.FIRST_PARTY_DEVICE, cookie)
                .flatMap((known) -> {
                    if (known.linkedId().equals(deviceId)) {
                        return touch(scope, cookie, deviceId, time, known).thenReturn(event);
                    }
                    return isExpiredStorage(scope, event, known, time)
                            .flatMap((expired) -> expired
                                    ? continueDevice(scope, cookie, event, deviceId, known.linkedId(), time)
                                    : moveCookie(scope, cookie, deviceId, time).thenReturn(event));
                })
                .switchIfEmpty(Mono.defer(() -> moveCookie(scope, cookie, deviceId, time).thenReturn(event)));
    }

    /** Tells whether the cookie's device went unseen long enough, and the event's user, if any, is its last user. */
    private Mono<Boolean> isExpiredStorage(IdentityScope scope, Event event, IdentityLink known, long time) {
        if (time - known.time() < this.storageExpiryMillis) {
            return Mono.just(false);
        }
        Optional<String> userId = event.userId();
        if (userId.isEmpty()) {
            return Mono.just(true);
        }
        return this.store.findDeviceLink(scope, known.linkedId())
                .map((link) -> link.userId().equals(userId.get()))
                .defaultIfEmpty(true);
    }

    private Mono<Event> continueDevice(IdentityScope scope, String cookie, Event event, String newDeviceId,
            String stableDeviceId, long time) {
        return this.store.record(scope, LinkKind.DEVICE_ALIAS, newDeviceId, IdentityLink.of(stableDeviceId, time))
                .then(this.store.record(scope, LinkKind.FIRST_PARTY_DEVICE, cookie,
                        IdentityLink.of(stableDeviceId, time)))
                .thenReturn(replaceDeviceId(event, stableDeviceId));
    }

    private Mono<Void> moveCookie(IdentityScope scope, String cookie, String deviceId, long time) {
        return this.store.record(scope, LinkKind.FIRST_PARTY_DEVICE, cookie, IdentityLink.of(deviceId, time));
    }

    /**
     * Refreshes the cookie's last-seen time for an aliased device, but only while the cookie still
     * stands for the stable device. After a logout the cookie belongs to the new device id, and a
     * late event of the old one must not take it back.
     */
    private Mono<Void> touchIfCurrent(IdentityScope scope, String cookie, String stableDeviceId, long time) {
        return this.store.find(scope, LinkKind.FIRST_PARTY_DEVICE, cookie)
                .filter((known) -> known.linkedId().equals(stableDeviceId))
                .flatMap((known) -> touch(scope, cookie, stableDeviceId, time, known));
    }

    /** Keeps the cookie's last-seen time current, so that a logout is never mistaken for expired storage. */
    private Mono<Void> touch(IdentityScope scope, String cookie, String deviceId, long time, IdentityLink known) {
        if (time - known.time() < TOUCH_INTERVAL_MILLIS) {
            return Mono.empty();
        }
        return moveCookie(scope, cookie, deviceId, time);
    }

    private static Event replaceDeviceId(Event event, String stableDeviceId) {
        ObjectNode fields = event.toJson();
        String sent = fields.get(EventField.DEVICE_ID.jsonName()).stringValue();
        fields.put(EventField.DEVICE_ID.jsonName(), stableDeviceId);
        return Event.ofOwned(event.context(), StitchedFields.mark(fields, List.of(EventField.DEVICE_ID), sent));
    }

}
