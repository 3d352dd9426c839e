package io.eventrouter.sdk;

import java.time.Instant;
import java.util.Objects;

import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.event.JsonValues;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.sdk.internal.RandomInsertIds;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Base of every event builder, with the settings they share: the API key, the ids, the time
 * and any other field of Amplitude's HTTP V2 event. A builder is not thread-safe; the events it
 * builds are immutable.
 *
 * <p>{@link #build()} hands the builder's JSON tree to the event instead of copying it. A builder
 * changed after {@code build()} copies the tree first (copy-on-write), so an event never sees a
 * later change, and the common case of one build per builder copies nothing.
 *
 * @param <B> the concrete builder, returned by every setter
 * @since 0.1.0
 */
public abstract class BaseEventBuilder<B extends BaseEventBuilder<B>> {

    static final JsonNodeFactory NODES = CompactNodeFactory.INSTANCE;

    /**
     * The context made last, shared by the next builder with the same key. Every builder of a
     * publisher with a default key would otherwise make an equal one. The race between threads
     * is harmless: a context is immutable, and a lost update only costs a new one.
     */
    private static volatile @Nullable RequestContext recentContext;

    /** Room for the usual top-level fields: type, ids, time and properties. */
    private static final int TOP_LEVEL_CAPACITY = 8;

    private CompactObjectNode fields = new CompactObjectNode(NODES, TOP_LEVEL_CAPACITY);

    /** Whether an event built last owns {@link #fields}, so the next change must copy it first. */
    private boolean fieldsShared;

    /** Whether the last build drew the {@code insert_id} in {@link #fields}, so the next build draws another. */
    private boolean insertIdDrawn;

    private boolean timeDrawn;

    private @Nullable RequestContext context;

    BaseEventBuilder(String eventType) {
        Objects.requireNonNull(eventType, "eventType");
        if (UploadDecoder.isBlankEventType(eventType)) {
            throw new IllegalArgumentException("eventType must not be blank: Amplitude rejects it");
        }
        this.fields.putValue(EventField.EVENT_TYPE.jsonName(), eventType);
    }

    /** Sets the project's API key, which decides where the event is stored. */
    public B apiKey(String apiKey) {
        this.context = context(Events.requireApiKey(apiKey));
        return self();
    }

    private static RequestContext context(String apiKey) {
        RequestContext recent = recentContext;
        if (recent != null && recent.apiKey().equals(apiKey)) {
            return recent;
        }
        RequestContext created = RequestContext.of(apiKey);
        recentContext = created;
        return created;
    }

    /** Sets {@code user_id}; Amplitude expects at least 5 characters. */
    public B userId(String userId) {
        return putString(EventField.USER_ID, userId);
    }

    /** Sets {@code device_id}; Amplitude expects at least 5 characters. */
    public B deviceId(String deviceId) {
        return putString(EventField.DEVICE_ID, deviceId);
    }

    /** Sets {@code session_id}, the session's start in milliseconds since the epoch. */
    public B sessionId(long sessionId) {
        fields().put(EventField.SESSION_ID.jsonName(), sessionId);
        return self();
    }

    /** Sets {@code time}; without it, {@link #build()} sets the time of the build. */
    public B time(Instant time) {
        fields().put(EventField.TIME.jsonName(), Objects.requireNonNull(time, "time").toEpochMilli());
        return self();
    }

    /** Sets {@code insert_id}, the key destinations deduplicate on; each build draws a random one when not set. */
    public B insertId(String insertId) {
        return putString(EventField.INSERT_ID, insertId);
    }

    /** Sets {@code insert_id} to {@link Events#insertId(String)} of the key, so a resend is recognised. */
    public B idempotencyKey(String idempotencyKey) {
        return putString(EventField.INSERT_ID, Events.insertId(idempotencyKey));
    }

    /** Adds the event to a group, such as {@code ("company", "Acme")}. */
    public B group(String groupType, String groupName) {
        Objects.requireNonNull(groupType, "groupType");
        Objects.requireNonNull(groupName, "groupName");
        return putNested(EventField.GROUPS.jsonName(), groupType, groupName);
    }

    /**
     * Sets any top-level field, such as {@code platform} or {@code ip}. Values may be strings,
     * numbers, booleans, maps, collections or Jackson nodes.
     *
     * @throws IllegalArgumentException for {@code event_type} or a value of another type
     */
    public B field(String name, @Nullable Object value) {
        Objects.requireNonNull(name, "name");
        if (name.equals(EventField.EVENT_TYPE.jsonName())) {
            throw new IllegalArgumentException("event_type is set when the builder is created");
        }
        fields().putValue(name, value);
        return self();
    }

    /**
     * Builds the event. The builder may be changed and built again afterwards; that changes
     * neither this event nor any other built before.
     *
     * @throws IllegalStateException when no API key is set, when the event has neither user id nor
     *         device id (Amplitude requires one), or when the builder's own rules are broken
     */
    public Event build() {
        RequestContext context = this.context;
        if (context == null) {
            throw new IllegalStateException("The event needs an API key: call apiKey(...), or build it through "
                    + "a publisher that has a default API key");
        }
        if (!this.fields.hasProperty(EventField.USER_ID.jsonName())
                && !this.fields.hasProperty(EventField.DEVICE_ID.jsonName())) {
            throw new IllegalStateException("The event needs a user id or a device id: call userId(...) or "
                    + "deviceId(...)");
        }
        CompactObjectNode event = fields();
        complete(event);
        if (!event.hasProperty(EventField.INSERT_ID.jsonName())) {
            event.putValue(EventField.INSERT_ID.jsonName(), RandomInsertIds.next());
            this.insertIdDrawn = true;
        }
        // Without a time Amplitude would use the time of the upload, which batching and retries delay.
        if (!event.hasProperty(EventField.TIME.jsonName())) {
            event.putValue(EventField.TIME.jsonName(), System.currentTimeMillis());
            this.timeDrawn = true;
        }
        this.fieldsShared = true;
        return Event.ofOwned(context, event);
    }

    /**
     * Returns the fields to change, first copying them when an event built earlier owns them.
     * The copy leaves out the {@code insert_id} and {@code time} that {@link #build()} drew, so
     * that the next event draws its own.
     */
    final CompactObjectNode fields() {
        if (this.fieldsShared) {
            CompactObjectNode copy = this.fields.deepCopy();
            if (this.insertIdDrawn) {
                copy.remove(EventField.INSERT_ID.jsonName());
            }
            if (this.timeDrawn) {
                copy.remove(EventField.TIME.jsonName());
            }
            this.fields = copy;
            this.fieldsShared = false;
            this.insertIdDrawn = false;
            this.timeDrawn = false;
        }
        return this.fields;
    }

    /**
     * Checks the concrete builder's rules and adds what it keeps apart from the fields to
     * {@code event}, the builder's own tree about to be handed to the event.
     */
    void complete(ObjectNode event) {
    }

    /**
     * Converts a value as {@link JsonValues#toNode} does, except that an {@code int} becomes an
     * {@code IntNode}, which Jackson shares for small values, where {@code JsonValues} makes a new
     * {@code LongNode}. Both write the same JSON.
     */
    static JsonNode toNode(@Nullable Object value) {
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).intValue());
        }
        return JsonValues.toNode(value);
    }

    final B putString(EventField field, String value) {
        fields().putValue(field.jsonName(), Objects.requireNonNull(value, field.jsonName()));
        return self();
    }

    /**
     * Sets one property of the object {@code name}, such as {@code event_properties}, storing a
     * plain value without a node when the object is the builder's own.
     */
    final B putNested(String name, String property, @Nullable Object value) {
        Objects.requireNonNull(property, "name");
        ObjectNode nested = fields().withObjectProperty(name);
        if (nested instanceof CompactObjectNode compact) {
            compact.putValue(property, value);
        }
        else {
            nested.set(property, toNode(value));
        }
        return self();
    }

    @SuppressWarnings("unchecked")
    final B self() {
        return (B) this;
    }

}
