package io.eventrouter.sdk;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;

/**
 * Starts the events server code publishes. Each builder needs an API key before
 * {@link BaseEventBuilder#build()}; the same methods on {@link EventPublisher} set the
 * publisher's default key.
 *
 * @since 0.1.0
 */
public final class Events {

    /** Namespaces the keys, so an insert id derived here never equals one derived from the same text elsewhere. */
    private static final String INSERT_ID_NAMESPACE = "io.eventrouter.idempotency-key:";

    private Events() {
    }

    /** Starts an ordinary event, such as {@code Order Placed}. */
    public static TrackBuilder track(String eventType) {
        return new TrackBuilder(eventType);
    }

    /** Starts an {@code $identify} event, which changes the user's properties. */
    public static IdentifyBuilder identify() {
        return new IdentifyBuilder();
    }

    /** Starts a {@code $groupidentify} event, which changes the properties of one group. */
    public static GroupIdentifyBuilder groupIdentify(String groupType, String groupName) {
        return new GroupIdentifyBuilder(groupType, groupName);
    }

    /** Starts a {@code revenue_amount} event for a sale at {@code price} per unit. */
    public static RevenueBuilder revenue(double price) {
        return new RevenueBuilder(price);
    }

    /**
     * Derives an {@code insert_id} from an idempotency key: the same key gives the same id in
     * every process and release: a version 3 (MD5 name-based) UUID of the key with a fixed prefix.
     *
     * @throws IllegalArgumentException when the key is blank
     */
    public static String insertId(String idempotencyKey) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        if (idempotencyKey.isBlank()) {
            throw new IllegalArgumentException("idempotencyKey must not be blank");
        }
        byte[] name = (INSERT_ID_NAMESPACE + idempotencyKey).getBytes(StandardCharsets.UTF_8);
        return UUID.nameUUIDFromBytes(name).toString();
    }

    /** Returns a copy of {@code event} whose {@code insert_id} is derived from the key. */
    public static Event withIdempotencyKey(Event event, String idempotencyKey) {
        return event.with(EventField.INSERT_ID, insertId(idempotencyKey));
    }

    static String requireApiKey(String apiKey) {
        Objects.requireNonNull(apiKey, "apiKey");
        if (apiKey.isBlank()) {
            throw new IllegalArgumentException("apiKey must not be blank");
        }
        return apiKey;
    }

}
