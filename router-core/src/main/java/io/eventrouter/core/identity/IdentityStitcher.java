package io.eventrouter.core.identity;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.event.RequestContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fills in the ids an event lacks from what earlier events taught about the same person, and
 * records what each event teaches.
 *
 * <p>The rules, applied to each event in order:
 * <ol>
 * <li>An event with a device id but no user id gets the user the device was last seen with.
 * A missing or null user id is not a logout: SDKs log out by switching to a new device id.
 * <li>An event with a user id but no device id gets the device the user was last active on,
 * when that activity lies within the session window of the event's time.
 * <li>An event without a session id gets the session of the user's last activity, when the
 * activity was on the event's device and lies within the session window.
 * <li>A value the event has is never replaced. Missing fields, JSON null, empty strings and the
 * session id -1 count as absent. A user id is never replaced by another, so two users never merge.
 * <li>Every filled field is listed in the event property {@link StitchedFields#PROPERTY}.
 * </ol>
 * An event that carries its own device id and a user id, sent or filled, records the device's
 * link to that user and the user's activity on that device. Server events without a device id
 * record nothing, so they never extend a browser session on their own, and neither do events
 * whose device id a router filled in before, such as the server SDK from a request's headers.
 *
 * <p>Events of one call are stitched one after another, so an identify early in a batch already
 * applies to the anonymous events after it. Given the same store contents, the result depends
 * only on the events and the clock: the pipeline stitches before the spool, so a replay reads
 * the stitched events and never stitches twice.
 *
 * <p>When the store fails or does not respond within the store timeout, the event passes
 * unstitched: a missing link costs less than a lost event. Failures are counted.
 *
 * <p>With a {@link SynchronousIdentityStore}, such as the embedded one, the stitcher calls the
 * store directly instead of through a {@code Mono} per lookup, and announces the links of all
 * events of a call before stitching the first, so that their reads from memory overlap. The
 * rules and results are the same. The store timeout does not apply, because such a store returns
 * its results from memory on the calling thread.
 */
public final class IdentityStitcher {

    private static final Logger logger = LoggerFactory.getLogger(IdentityStitcher.class);

    /** How old a user's stored activity may grow before an event on the same device and session renews it. */
    private static final long ACTIVITY_REFRESH_MILLIS = Duration.ofMinutes(1).toMillis();

    /**
     * The maximum length, in characters, of a device or user id the stitcher links. At 3 bytes of
     * UTF-8 per character at most, such an id fits the embedded store's limit of 32 KiB, so a
     * client's oversized id never looks like a failing store.
     */
    static final int MAX_ID_LENGTH = 8192;

    /**
     * How far ahead of the router's clock an event's time counts. The link with the later time
     * wins, so a client clock set a year ahead would otherwise keep its links the latest for a year.
     */
    private static final long MAX_TIME_AHEAD_MILLIS = Duration.ofMinutes(5).toMillis();

    /** Bounds the cache of scopes; each distinct API key adds one entry. */
    private static final int MAX_CACHED_SCOPES = 1024;

    private final IdentityStore store;

    private final long sessionWindowMillis;

    private final Duration storeTimeout;

    private final InstantSource clock;

    private final Map<String, IdentityScope> scopes = new ConcurrentHashMap<>();

    private final LongAdder stitchedEvents = new LongAdder();

    private final LongAdder failedEvents = new LongAdder();

    private final AtomicBoolean failureLogged = new AtomicBoolean();

    private IdentityStitcher(Builder builder) {
        this.store = builder.store;
        this.sessionWindowMillis = builder.sessionWindow.toMillis();
        this.storeTimeout = builder.storeTimeout;
        this.clock = builder.clock;
    }

    public static Builder builder(IdentityStore store) {
        return new Builder(store);
    }

    /** Stitches events one after another and emits them in their order. Never signals an error. */
    public Mono<List<Event>> stitch(List<Event> events) {
        if (this.store instanceof SynchronousIdentityStore direct) {
            return Mono.fromSupplier(() -> stitchNow(direct, events));
        }
        // Once the store fails or times out, the call's later events pass without asking it: a
        // store that hangs would otherwise cost the whole timeout once for every event.
        AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
        return Flux.fromIterable(events)
                .concatMap((event) -> stitch(event, failure))
                .collectList();
    }

    /** Stitches one event; emits it unchanged when the store fails. Never signals an error. */
    public Mono<Event> stitch(Event event) {
        if (this.store instanceof SynchronousIdentityStore direct) {
            return Mono.fromSupplier(() -> stitchNow(direct, event));
        }
        return stitch(event, new AtomicReference<>());
    }

    /**
     * Stitches one event through the store's {@code Mono}s, or passes it unstitched at once when
     * {@code failure} contains an earlier failure of the same call, and records its own failure there.
     */
    private Mono<Event> stitch(Event event, AtomicReference<@Nullable Throwable> failure) {
        Sighting sighting = Sighting.of(event, this.clock);
        if (!sighting.isLinkable()) {
            return Mono.just(event);
        }
        Throwable earlier = failure.get();
        if (earlier != null) {
            return Mono.just(passUnstitched(event, earlier));
        }
        IdentityScope scope = scope(event.context());
        return resolve(scope, sighting)
                .flatMap((known) -> record(scope, sighting, known).thenReturn(known))
                .timeout(this.storeTimeout)
                .map((known) -> {
                    storeAnswered();
                    return applyOrPass(event, sighting, known);
                })
                .onErrorResume((error) -> {
                    failure.set(error);
                    return Mono.just(passUnstitched(event, error));
                });
    }

    /** Returns the scope of the project an event belongs to. */
    public IdentityScope scope(RequestContext context) {
        IdentityScope scope = this.scopes.get(context.apiKey());
        if (scope == null) {
            if (this.scopes.size() >= MAX_CACHED_SCOPES) {
                this.scopes.clear();
            }
            scope = IdentityScope.ofApiKey(context.apiKey());
            this.scopes.put(context.apiKey(), scope);
        }
        return scope;
    }

    /** Returns how many events got at least one value filled in. */
    public long stitchedEvents() {
        return this.stitchedEvents.sum();
    }

    /** Returns how many events passed unstitched because the store failed or timed out. */
    public long failedEvents() {
        return this.failedEvents.sum();
    }

    private List<Event> stitchNow(SynchronousIdentityStore direct, List<Event> events) {
        prefetch(direct, events);
        List<Event> stitched = new ArrayList<>(events.size());
        for (Event event : events) {
            stitched.add(stitchNow(direct, event));
        }
        return stitched;
    }

    /** Stitches one event with the steps of {@link #stitch(Event)}, calling the store directly. */
    private Event stitchNow(SynchronousIdentityStore direct, Event event) {
        Sighting sighting = Sighting.of(event, this.clock);
        if (!sighting.isLinkable()) {
            return event;
        }
        IdentityScope scope = scope(event.context());
        Known known;
        try {
            known = resolveNow(direct, scope, sighting);
            recordNow(direct, scope, sighting, known);
        }
        catch (RuntimeException ex) {
            return passUnstitched(event, ex);
        }
        storeAnswered();
        return applyOrPass(event, sighting, known);
    }

    /**
     * Fills the event's missing ids, or returns it unchanged when that fails. Such a failure
     * comes from the event, not from the store, so it is logged apart from store failures.
     */
    private Event applyOrPass(Event event, Sighting sighting, Known known) {
        try {
            return apply(event, sighting, known);
        }
        catch (RuntimeException ex) {
            // The exception's message may quote the event, so only its class is logged.
            logger.warn("An event could not be stitched and passes unchanged: insert_id={} error={}",
                    event.insertId().orElse("none"), ex.getClass().getName());
            return event;
        }
    }

    /** Logs once that the store responds again after the failure that {@link #passUnstitched} logged. */
    private void storeAnswered() {
        if (this.failureLogged.get() && this.failureLogged.compareAndSet(true, false)) {
            logger.info("Identity store recovered; events are stitched again: failed_events={}", this.failedEvents.sum());
        }
    }

    /**
     * Announces the links that stitching the events will read first: the activity of each user id,
     * and the user of each device id, which an event reads when it lacks a user id and writes
     * when it has one. Events of one call usually share a scope, and a change of scope starts a
     * new prefetch.
     */
    private void prefetch(SynchronousIdentityStore direct, List<Event> events) {
        if (events.size() < 2) {
            return;
        }
        List<LinkKey> links = new ArrayList<>(2 * events.size());
        IdentityScope batchScope = null;
        try {
            for (Event event : events) {
                IdentityScope scope = scope(event.context());
                if (batchScope != null && !batchScope.equals(scope)) {
                    direct.prefetch(batchScope, links);
                    links.clear();
                }
                batchScope = scope;
                addLinksToRead(event, links);
            }
            if (batchScope != null) {
                direct.prefetch(batchScope, links);
            }
        }
        catch (RuntimeException ex) {
            // Only a hint: each event's own lookups meet the failure again and pass it unstitched.
            logger.debug("Identity store failed to prefetch links: {}", ex.toString());
        }
    }

    private static void addLinksToRead(Event event, List<LinkKey> links) {
        if (isTooLong(event.userId()) || isTooLong(event.deviceId())) {
            return;
        }
        event.userId().ifPresent((id) -> links.add(new LinkKey(LinkKind.USER_ACTIVITY, id)));
        event.deviceId().ifPresent((id) -> links.add(new LinkKey(LinkKind.DEVICE_USER, id)));
    }

    private static Known resolveNow(SynchronousIdentityStore direct, IdentityScope scope, Sighting sighting) {
        Optional<String> userId = sighting.userId();
        if (userId.isEmpty()) {
            DeviceLink link = direct.findDeviceLinkNow(scope, sighting.deviceId().get());
            userId = (link != null) ? Optional.of(link.userId()) : Optional.empty();
        }
        if (userId.isEmpty()) {
            return new Known(userId, Optional.empty());
        }
        return new Known(userId, Optional.ofNullable(direct.findUserActivityNow(scope, userId.get())));
    }

    private void recordNow(SynchronousIdentityStore direct, IdentityScope scope, Sighting sighting, Known known) {
        if (!sighting.ownDeviceId() || known.userId().isEmpty()) {
            return;
        }
        String deviceId = sighting.deviceId().get();
        String userId = known.userId().get();
        long time = sighting.linkTime(this.clock);
        if (sighting.userId().isPresent()) {
            DeviceLink link = new DeviceLink(userId, time);
            if (!isRecentRepeat(link, direct.findDeviceLinkNow(scope, deviceId))) {
                direct.recordDeviceLinkNow(scope, deviceId, link);
            }
        }
        UserActivity activity = new UserActivity(deviceId, sessionToRecord(sighting, known), time);
        if (!isRecentRepeat(activity, known.activity())) {
            direct.recordUserActivityNow(scope, userId, activity);
        }
    }

    private Mono<Known> resolve(IdentityScope scope, Sighting sighting) {
        Mono<Optional<String>> user = sighting.userId().isPresent() ? Mono.just(sighting.userId())
                : this.store.findDeviceLink(scope, sighting.deviceId().get())
                        .map((link) -> Optional.of(link.userId()))
                        .defaultIfEmpty(Optional.empty());
        return user.flatMap((userId) -> userId
                .map((id) -> this.store.findUserActivity(scope, id)
                        .map((activity) -> new Known(userId, Optional.of(activity)))
                        .defaultIfEmpty(new Known(userId, Optional.empty())))
                .orElseGet(() -> Mono.just(new Known(userId, Optional.empty()))));
    }

    private Mono<Void> record(IdentityScope scope, Sighting sighting, Known known) {
        if (!sighting.ownDeviceId() || known.userId().isEmpty()) {
            return Mono.empty();
        }
        String deviceId = sighting.deviceId().get();
        String userId = known.userId().get();
        long time = sighting.linkTime(this.clock);
        Mono<Void> link = sighting.userId().isPresent()
                ? this.store.recordDeviceLink(scope, deviceId, new DeviceLink(userId, time))
                : Mono.empty();
        UserActivity activity = new UserActivity(deviceId, sessionToRecord(sighting, known), time);
        if (isRecentRepeat(activity, known.activity())) {
            return link;
        }
        return link.then(this.store.recordUserActivity(scope, userId, activity));
    }

    /**
     * Tells whether the store already has this device and session for the user, from less than
     * {@link #ACTIVITY_REFRESH_MILLIS} earlier. Skipping such writes spares the store one write
     * per event, and costs the session window at most that much at its far end.
     */
    private static boolean isRecentRepeat(UserActivity activity, Optional<UserActivity> stored) {
        return stored.filter((known) -> known.deviceId().equals(activity.deviceId())
                        && known.sessionId() == activity.sessionId()
                        && activity.time() >= known.time()
                        && activity.time() - known.time() < ACTIVITY_REFRESH_MILLIS)
                .isPresent();
    }

    /**
     * Tells whether the store already links the device to the same user, from less than
     * {@link #ACTIVITY_REFRESH_MILLIS} earlier. Every event with both ids would otherwise write the
     * link again, and with a persistent store append it to the store's log. Only the direct path
     * reads the link first, since there a read costs no round trip.
     */
    private static boolean isRecentRepeat(DeviceLink link, @Nullable DeviceLink stored) {
        return stored != null && stored.userId().equals(link.userId()) && link.time() >= stored.time()
                && link.time() - stored.time() < ACTIVITY_REFRESH_MILLIS;
    }

    /** Keeps the device's known session when one of its events arrives without a session id. */
    private long sessionToRecord(Sighting sighting, Known known) {
        if (sighting.sessionId() != UserActivity.NO_SESSION) {
            return sighting.sessionId();
        }
        return known.activity()
                .filter((activity) -> activity.deviceId().equals(sighting.deviceId().get()))
                .map(UserActivity::sessionId)
                .orElse(UserActivity.NO_SESSION);
    }

    private Event apply(Event event, Sighting sighting, Known known) {
        if (sighting.userId().isPresent() && sighting.deviceId().isPresent()
                && sighting.sessionId() != UserActivity.NO_SESSION) {
            // Nothing to fill, so the event's fields need no copy.
            return event;
        }
        List<EventField> filled = new ArrayList<>(3);
        ObjectNode fields = event.toJson();
        if (isAbsent(fields, EventField.USER_ID) && known.userId().isPresent()) {
            fields.put(EventField.USER_ID.jsonName(), known.userId().get());
            filled.add(EventField.USER_ID);
        }
        Optional<UserActivity> recent = known.activity().filter((activity) -> isWithinWindow(activity, sighting));
        Optional<String> deviceId = sighting.deviceId();
        if (isAbsent(fields, EventField.DEVICE_ID) && recent.isPresent()) {
            deviceId = Optional.of(recent.get().deviceId());
            fields.put(EventField.DEVICE_ID.jsonName(), deviceId.get());
            filled.add(EventField.DEVICE_ID);
        }
        if (isAbsent(fields, EventField.SESSION_ID) && recent.isPresent() && recent.get().session().isPresent()
                && deviceId.isPresent() && deviceId.get().equals(recent.get().deviceId())) {
            fields.put(EventField.SESSION_ID.jsonName(), recent.get().sessionId());
            filled.add(EventField.SESSION_ID);
        }
        if (filled.isEmpty()) {
            return event;
        }
        this.stitchedEvents.increment();
        return Event.ofOwned(event.context(), StitchedFields.mark(fields, filled));
    }

    /**
     * Tells whether a field may be filled: it is missing, JSON null or an empty string, or it is
     * the session id -1 that the Java SDK sends for "no session". Any other value, even one of
     * the wrong type, was sent by the client and stays.
     */
    private static boolean isAbsent(ObjectNode fields, EventField field) {
        JsonNode value = fields.get(field.jsonName());
        if (value == null || value.isNull()) {
            return true;
        }
        if (value.isString()) {
            return value.stringValue().isEmpty();
        }
        return field == EventField.SESSION_ID && value.isIntegralNumber() && value.canConvertToLong()
                && value.longValue() == UserActivity.NO_SESSION;
    }

    private boolean isWithinWindow(UserActivity activity, Sighting sighting) {
        return Math.abs(sighting.time() - activity.time()) <= this.sessionWindowMillis;
    }

    private static boolean isTooLong(Optional<String> id) {
        return id.isPresent() && id.get().length() > MAX_ID_LENGTH;
    }

    private Event passUnstitched(Event event, Throwable error) {
        this.failedEvents.increment();
        if (this.failureLogged.compareAndSet(false, true)) {
            logger.warn("Identity store failed; events pass unstitched until it recovers: {}", error.toString());
        }
        else {
            logger.debug("Identity store failed; event passes unstitched: insert_id={} error={}",
                    event.insertId().orElse("none"), error.toString());
        }
        return event;
    }

    /**
     * The ids an event was sent with. The session id is {@link UserActivity#NO_SESSION} when
     * absent; the time is the event's own, or the router's clock when it has none. A device id
     * that a router filled in before, such as the server SDK from a browser request's headers, is
     * not the event's own: it finds the session but records no link.
     */
    private record Sighting(Optional<String> deviceId, boolean ownDeviceId, Optional<String> userId, long sessionId,
            long time) {

        static Sighting of(Event event, InstantSource clock) {
            return new Sighting(event.deviceId(), event.deviceId().isPresent() && !StitchedFields.isDeviceIdFilled(event),
                    event.userId(), sessionId(event), event.time().orElseGet(clock::millis));
        }

        /** Returns the time of the links the event records, at most {@link #MAX_TIME_AHEAD_MILLIS} ahead of now. */
        long linkTime(InstantSource clock) {
            return Math.min(this.time, clock.millis() + MAX_TIME_AHEAD_MILLIS);
        }

        /**
         * Returns whether the event has an id to link and none longer than {@link #MAX_ID_LENGTH}.
         * An event that is not linkable passes unchanged, like an event without ids.
         */
        boolean isLinkable() {
            if (this.deviceId.isEmpty() && this.userId.isEmpty()) {
                return false;
            }
            if (isTooLong(this.deviceId) || isTooLong(this.userId)) {
                logger.debug("An event's id is too long to link and passes unstitched: max_id_length={}",
                        MAX_ID_LENGTH);
                return false;
            }
            return true;
        }

        /** Treats only an integral session id other than -1 as present. */
        private static long sessionId(Event event) {
            return event.sessionId().orElse(UserActivity.NO_SESSION);
        }

    }

    /** The links found before this event: its user, sent or linked, and that user's last activity. */
    private record Known(Optional<String> userId, Optional<UserActivity> activity) {
    }

    /** Configures a stitcher; every setting has a default except the store. */
    public static final class Builder {

        private final IdentityStore store;

        private Duration sessionWindow = Duration.ofMinutes(30);

        private Duration storeTimeout = Duration.ofSeconds(1);

        private InstantSource clock = InstantSource.system();

        private Builder(IdentityStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * Sets how far apart a server event and the user's last client activity may be for the
         * server event to join that device and session. Defaults to 30 minutes, Amplitude's
         * default session timeout.
         */
        public Builder sessionWindow(Duration sessionWindow) {
            if (sessionWindow.isNegative()) {
                throw new IllegalArgumentException("sessionWindow must not be negative, but was " + sessionWindow);
            }
            this.sessionWindow = sessionWindow;
            return this;
        }

        /**
         * Sets how long stitching one event may wait for the store before the event passes
         * unstitched. Applies to stores that return a {@code Mono}, because a
         * {@link SynchronousIdentityStore} returns its results on the calling thread.
         */
        public Builder storeTimeout(Duration storeTimeout) {
            if (storeTimeout.isNegative() || storeTimeout.isZero()) {
                throw new IllegalArgumentException("storeTimeout must be positive, but was " + storeTimeout);
            }
            this.storeTimeout = storeTimeout;
            return this;
        }

        /** Sets the clock that times events without a {@code time} field. */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public IdentityStitcher build() {
            return new IdentityStitcher(this);
        }

    }

}
