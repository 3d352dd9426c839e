package io.eventrouter.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.identity.StitchedFields;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The device id and session id of the browser request that a server is handling, so that the
 * server events it publishes meanwhile land in the browser's session.
 *
 * <p>A web filter reads them from the request and makes them current: in a reactive application
 * it puts them in the Reactor context under {@link #CONTEXT_KEY}, in a servlet application it
 * calls {@link #bind} around the request. A publisher wrapped with
 * {@link RequestIdentityPublisher} then fills them into events that lack them.
 *
 * @param deviceId the browser's device id, or null when the request carried none
 * @param sessionId the browser's session id, or null when the request carried none
 * @since 0.1.0
 */
public record RequestIdentity(@Nullable String deviceId, @Nullable Long sessionId) {

    /** The header a page sets to its SDK's device id, for example from {@code amplitude.getDeviceId()}. */
    public static final String DEVICE_ID_HEADER = "X-Amplitude-Device-Id";

    /** The header a page sets to its SDK's session id, for example from {@code amplitude.getSessionId()}. */
    public static final String SESSION_ID_HEADER = "X-Amplitude-Session-Id";

    /** The key of the current request identity in the Reactor context. */
    public static final Class<RequestIdentity> CONTEXT_KEY = RequestIdentity.class;

    /** Amplitude rejects longer ids, so a longer header value is not a device id. */
    private static final int MAX_ID_LENGTH = 1024;

    private static final RequestIdentity NONE = new RequestIdentity(null, null);

    private static final ThreadLocal<RequestIdentity> CURRENT = new ThreadLocal<>();

    public RequestIdentity {
        if (deviceId != null && (deviceId.isEmpty() || deviceId.length() > MAX_ID_LENGTH)) {
            throw new IllegalArgumentException("deviceId must have 1 to " + MAX_ID_LENGTH
                    + " characters, but had " + deviceId.length());
        }
        if (sessionId != null && sessionId < 0) {
            throw new IllegalArgumentException("sessionId must not be negative, but was " + sessionId);
        }
    }

    /**
     * Reads the identity from request headers; a value that is missing, blank, too long or not a
     * number where one is expected counts as absent, and so does a placeholder device id that
     * Amplitude refuses, such as "null". A device id shorter than an event's minimum id length
     * is not filled into that event (see {@link #applyTo}).
     *
     * @param header returns a request header's value by name, or null when the request lacks it
     */
    public static RequestIdentity fromHeaders(UnaryOperator<@Nullable String> header) {
        String deviceId = header.apply(DEVICE_ID_HEADER);
        if (deviceId != null) {
            deviceId = deviceId.strip();
            if (deviceId.length() > MAX_ID_LENGTH || UploadDecoder.idProblem(deviceId, 1) != null) {
                deviceId = null;
            }
        }
        return new RequestIdentity(deviceId, parseSessionId(header.apply(SESSION_ID_HEADER)));
    }

    private static @Nullable Long parseSessionId(@Nullable String value) {
        if (value == null) {
            return null;
        }
        try {
            long sessionId = Long.parseLong(value.strip());
            return (sessionId >= 0) ? sessionId : null;
        }
        catch (NumberFormatException ex) {
            return null;
        }
    }

    /**
     * Makes {@code identity} current on this thread until the returned binding is closed, for
     * servlet filters: {@code try (var binding = RequestIdentity.bind(identity)) { chain.doFilter(...); }}.
     */
    public static Binding bind(RequestIdentity identity) {
        Objects.requireNonNull(identity, "identity");
        RequestIdentity previous = CURRENT.get();
        CURRENT.set(identity);
        return () -> {
            if (previous != null) {
                CURRENT.set(previous);
            }
            else {
                CURRENT.remove();
            }
        };
    }

    /** Returns the identity bound to this thread with {@link #bind}, if any. */
    public static Optional<RequestIdentity> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Returns an identity without ids. */
    public static RequestIdentity none() {
        return NONE;
    }

    /** Tells whether the identity carries neither id. */
    public boolean isEmpty() {
        return this.deviceId == null && this.sessionId == null;
    }

    /**
     * Returns the event with this identity's ids filled in where the event lacks them, marked as
     * stitched. The device id is filled only when it has the event's minimum id length (5 unless
     * the event's context sets one), so that Amplitude takes it. The session id is filled only
     * when the event's device is this request's device, and a value the event has is never replaced.
     */
    public Event applyTo(Event event) {
        List<EventField> filled = new ArrayList<>(2);
        Event result = event;
        if (this.deviceId != null && isAbsent(result, EventField.DEVICE_ID)
                && UploadDecoder.idProblem(this.deviceId, UploadDecoder.minIdLength(event.context())) == null) {
            result = result.with(EventField.DEVICE_ID, this.deviceId);
            filled.add(EventField.DEVICE_ID);
        }
        boolean sameDevice = this.deviceId != null && result.deviceId().filter(this.deviceId::equals).isPresent();
        if (this.sessionId != null && sameDevice && isAbsent(result, EventField.SESSION_ID)) {
            result = result.with(EventField.SESSION_ID, this.sessionId);
            filled.add(EventField.SESSION_ID);
        }
        return StitchedFields.mark(result, filled);
    }

    /** Treats missing, null, empty and, for the session id, -1 as absent, like the router's stitcher. */
    private static boolean isAbsent(Event event, EventField field) {
        Optional<JsonNode> value = event.field(field.jsonName());
        if (value.isEmpty() || value.get().isNull()) {
            return true;
        }
        if (value.get().isString()) {
            return value.get().stringValue().isEmpty();
        }
        return field == EventField.SESSION_ID && value.get().isIntegralNumber() && value.get().asLong() == -1;
    }

    /** Restores the identity that was current before {@link #bind}. */
    @FunctionalInterface
    public interface Binding extends AutoCloseable {

        @Override
        void close();

    }

}
