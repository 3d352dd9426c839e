package io.eventrouter.core.event;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One analytics event in Amplitude's HTTP V2 shape, together with the {@link RequestContext} of
 * the request it arrived in.
 *
 * <p>An event is immutable. It keeps every field it was given, including fields that
 * {@link EventField} does not list, so that a field Amplitude adds tomorrow reaches the
 * destination unchanged. The {@code with} methods return modified copies.
 *
 * <p>An event keeps a JSON tree, its encoded bytes, or both. An event decoded from an upload
 * contains the bytes the client sent and the positions of its main fields in them (see
 * {@link #ofScanned}): it is parsed into a tree only when a field outside {@link TopLevelFields}
 * is read or set, so most events reach the spool without a tree.
 *
 * <p>The only field an event must have is a string {@code event_type}: every other rule of
 * Amplitude's validation belongs to the edge that accepts events, because a destination other
 * than Amplitude may accept what Amplitude rejects.
 */
public final class Event {

    private static final JsonMapper MAPPER = EventJson.MAPPER;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long ONE_IN_EVERY_BYTE = 0x0101010101010101L;

    private static final long HIGH_BIT_IN_EVERY_BYTE = 0x8080808080808080L;

    private static final long BACKSLASHES = ONE_IN_EVERY_BYTE * '\\';

    private final RequestContext context;

    /**
     * Owned by this instance and never mutated after construction. Copies made by the
     * {@code with} methods may share nested values with it for the same reason. Null until first
     * use for an event made from its JSON; a race only parses it twice.
     */
    private volatile @Nullable ObjectNode fields;

    /**
     * The fields' JSON in UTF-8, written on first use, so a race only writes it twice. The JSON is
     * the range from {@link #jsonStart} to {@link #jsonEnd} of an array that other events may
     * share, such as the upload they were scanned from. No event mutates it.
     */
    private volatile byte @Nullable [] json;

    private final int jsonStart;

    /** The end of the JSON in {@link #json}, or -1 for the end of the array. */
    private final int jsonEnd;

    /** Whether {@link #deviceId} and {@link #userId} were given, so reading them needs no tree. */
    private final boolean idsKnown;

    private final @Nullable String deviceId;

    private final @Nullable String userId;

    /**
     * The positions of the fields the router reads and sets in {@link #json}, for an event
     * scanned from an upload, or null for any other event.
     */
    private final @Nullable TopLevelFields located;

    private Event(RequestContext context, ObjectNode fields) {
        this.context = Objects.requireNonNull(context, "context");
        this.fields = Objects.requireNonNull(fields, "fields");
        this.jsonStart = 0;
        this.jsonEnd = -1;
        this.idsKnown = false;
        this.deviceId = null;
        this.userId = null;
        this.located = null;
        JsonNode eventType = fields.get(EventField.EVENT_TYPE.jsonName());
        if (eventType == null || !eventType.isString()) {
            throw new IllegalArgumentException("event_type must be a string, but was " + eventType);
        }
    }

    private Event(RequestContext context, byte[] json, int jsonStart, @Nullable String deviceId,
            @Nullable String userId) {
        this.context = Objects.requireNonNull(context, "context");
        this.json = Objects.requireNonNull(json, "json");
        this.jsonStart = jsonStart;
        this.jsonEnd = -1;
        this.idsKnown = true;
        this.deviceId = deviceId;
        this.userId = userId;
        this.located = null;
    }

    private Event(RequestContext context, byte[] json, TopLevelFields located) {
        this.context = Objects.requireNonNull(context, "context");
        this.json = json;
        this.jsonStart = located.objectStart();
        this.jsonEnd = located.objectEnd();
        this.located = located;
        this.idsKnown = true;
        this.deviceId = nonEmpty(located.string(EventField.DEVICE_ID));
        this.userId = nonEmpty(located.string(EventField.USER_ID));
        if (located.token(EventField.EVENT_TYPE) != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException("event_type must be a string, but was " + located.token(EventField.EVENT_TYPE));
        }
    }

    private static @Nullable String nonEmpty(@Nullable String value) {
        return (value != null && !value.isEmpty()) ? value : null;
    }

    /** Creates an event from a copy of {@code fields}. */
    public static Event of(RequestContext context, ObjectNode fields) {
        return new Event(context, fields.deepCopy());
    }

    /**
     * Creates an event that takes ownership of {@code fields} without copying them, for decoders
     * that parse a tree and hand each event node over; the caller must not touch the node again.
     */
    public static Event ofOwned(RequestContext context, ObjectNode fields) {
        return new Event(context, fields);
    }

    /**
     * Creates an event from the JSON of an event this class wrote, such as a spool record, with
     * the values of its {@code device_id} and {@code user_id} as {@link #deviceId()} and
     * {@link #userId()} return them. The JSON is parsed only when another field is read, and is
     * written out as it is, so that an event that passes through unchanged is never parsed.
     *
     * @param json the event's JSON object in UTF-8, owned by the event from now on
     * @param deviceId the JSON's {@code device_id}, or null when it has none
     * @param userId the JSON's {@code user_id}, or null when it has none
     */
    public static Event ofEncoded(RequestContext context, byte[] json, @Nullable String deviceId,
            @Nullable String userId) {
        return new Event(context, json, 0, deviceId, userId);
    }

    /**
     * Creates an event as {@link #ofEncoded(RequestContext, byte[], String, String)} does, from
     * JSON that starts at {@code start} and runs to the end of {@code bytes}, without copying it.
     *
     * @param bytes an array that contains the JSON after other data, never mutated from now on
     */
    public static Event ofEncoded(RequestContext context, byte[] bytes, int start, @Nullable String deviceId,
            @Nullable String userId) {
        Objects.checkFromToIndex(start, bytes.length, bytes.length);
        return new Event(context, bytes, start, deviceId, userId);
    }

    /**
     * Creates an event from one object of an upload that {@code located} was scanned from,
     * sharing the upload's bytes with the other events scanned from it. The event keeps them as
     * the client wrote them, except that line breaks become spaces, in {@code source} itself.
     * Reading or setting a field that {@link TopLevelFields} locates needs no parse, and setting
     * one splices the bytes into a copy of the object alone.
     *
     * @param source the upload the object was scanned from, owned by its events from now on:
     * the caller must not read it as the client sent it any more, nor change it
     * @param located the result of {@link TopLevelFields#scan} for the object, which must be
     * {@linkplain TopLevelFields#isSpliceable spliceable}
     */
    public static Event ofScanned(RequestContext context, byte[] source, TopLevelFields located) {
        if (!located.isSpliceable()) {
            throw new IllegalArgumentException("The scanned fields cannot be spliced");
        }
        // A line break can only be whitespace between tokens, since a JSON string cannot hold
        // one raw. A space in its place keeps every offset and one event on one line of a file.
        for (int index = located.objectStart(); index < located.objectEnd(); index++) {
            if (source[index] == '\n' || source[index] == '\r') {
                source[index] = ' ';
            }
        }
        return new Event(context, source, located);
    }

    public static Builder builder(String eventType) {
        return new Builder(eventType);
    }

    public RequestContext context() {
        return this.context;
    }

    public String eventType() {
        TopLevelFields located = this.located;
        if (located != null) {
            return Objects.requireNonNull(located.string(EventField.EVENT_TYPE));
        }
        return fields().get(EventField.EVENT_TYPE.jsonName()).stringValue();
    }

    /** Returns the {@code user_id}, absent when it is missing, JSON null or empty. */
    public Optional<String> userId() {
        return this.idsKnown ? Optional.ofNullable(this.userId) : string(EventField.USER_ID);
    }

    /** Returns the {@code device_id}, absent when it is missing, JSON null or empty. */
    public Optional<String> deviceId() {
        return this.idsKnown ? Optional.ofNullable(this.deviceId) : string(EventField.DEVICE_ID);
    }

    public Optional<String> insertId() {
        return string(EventField.INSERT_ID);
    }

    public Optional<String> ip() {
        return string(EventField.IP);
    }

    /** Returns the {@code session_id}, absent when missing or when it is -1, Amplitude's "no session". */
    public OptionalLong sessionId() {
        OptionalLong sessionId = integer(EventField.SESSION_ID);
        return (sessionId.isPresent() && sessionId.getAsLong() == -1) ? OptionalLong.empty() : sessionId;
    }

    /** Returns the event time in milliseconds since the epoch, when the event carries one. */
    public OptionalLong time() {
        return integer(EventField.TIME);
    }

    /** Returns a field's value when it is a non-empty string. */
    public Optional<String> string(EventField field) {
        TopLevelFields located = this.located;
        if (located != null && TopLevelFields.isIndexed(field)) {
            return Optional.ofNullable(nonEmpty(located.string(field)));
        }
        JsonNode value = fields().get(field.jsonName());
        if (value == null || !value.isString() || value.stringValue().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(value.stringValue());
    }

    /**
     * Returns a field's value when it is a whole JSON number that fits in a {@code long}, written
     * as an integer or, as JavaScript clients may, as {@code 1.0} or {@code 1.7e12}.
     */
    public OptionalLong integer(EventField field) {
        TopLevelFields located = this.located;
        if (located != null && TopLevelFields.isIndexed(field)) {
            return located.isWhole(field) ? OptionalLong.of(located.longValue(field)) : OptionalLong.empty();
        }
        JsonNode value = fields().get(field.jsonName());
        if (value == null || !value.isNumber() || !value.canConvertToExactIntegral() || !value.canConvertToLong()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(value.longValue());
    }

    /** Returns a copy of any field, listed in {@link EventField} or not. */
    public Optional<JsonNode> field(String name) {
        JsonNode value = fields().get(name);
        return (value != null) ? Optional.of(value.deepCopy()) : Optional.empty();
    }

    /**
     * Returns whether the event has a top-level field {@code name}. For an event made from its
     * JSON, this skips the parse when the JSON has no escapes and never contains the quoted name.
     */
    public boolean has(String name) {
        TopLevelFields located = this.located;
        if (located != null) {
            Optional<EventField> field = EventField.fromJsonName(name);
            if (field.isPresent() && TopLevelFields.isIndexed(field.get())) {
                return located.token(field.get()) != null;
            }
        }
        ObjectNode parsed = this.fields;
        if (parsed == null && !mentions(Objects.requireNonNull(this.json), this.jsonStart, jsonEnd(), name)) {
            return false;
        }
        return fields().has(name);
    }

    /**
     * Returns whether the event may have a member {@code name} at any depth. False means it has
     * none. An event read from JSON finds that out by scanning the JSON, without parsing it.
     */
    public boolean mayHaveMember(String name) {
        ObjectNode parsed = this.fields;
        if (parsed != null) {
            return parsed.findValue(name) != null;
        }
        return mentions(Objects.requireNonNull(this.json), this.jsonStart, jsonEnd(), name);
    }

    private static boolean mentions(byte[] json, int start, int end, String name) {
        byte[] quoted = ('"' + name + '"').getBytes(StandardCharsets.UTF_8);
        // Dispatchers call this for every event they send, so it skips each run of eight bytes
        // that contains neither a backslash nor the first byte of the name.
        long firsts = ONE_IN_EVERY_BYTE * (quoted[1] & 0xFF);
        int index = start;
        for (; index + Long.BYTES <= end; index += Long.BYTES) {
            long word = (long) LONGS.get(json, index);
            if ((hasByte(word, BACKSLASHES) | hasByte(word, firsts)) == 0) {
                continue;
            }
            for (int candidate = index; candidate < index + Long.BYTES; candidate++) {
                if (startsNameOrEscape(json, start, end, candidate, quoted)) {
                    return true;
                }
            }
        }
        for (; index < end; index++) {
            if (startsNameOrEscape(json, start, end, index, quoted)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns a word with the high bit set in each byte that equals the byte repeated in
     * {@code pattern}, and perhaps in bytes above such a byte, which callers then check one by one.
     */
    private static long hasByte(long word, long pattern) {
        long difference = word ^ pattern;
        return (difference - ONE_IN_EVERY_BYTE) & ~difference & HIGH_BIT_IN_EVERY_BYTE;
    }

    /**
     * Tells whether the byte at {@code index} is a backslash, since an escape may spell the name
     * differently and only a parse can tell, or the first byte of the quoted name.
     */
    private static boolean startsNameOrEscape(byte[] json, int start, int end, int index, byte[] quoted) {
        byte current = json[index];
        if (current == '\\') {
            return true;
        }
        int quote = index - 1;
        return current == quoted[1] && quote >= start && json[quote] == '"' && quote + quoted.length <= end
                && Arrays.equals(json, quote, quote + quoted.length, quoted, 0, quoted.length);
    }

    public Set<String> fieldNames() {
        return Set.copyOf(fields().propertyNames());
    }

    /** Returns a copy of this event with {@code name} set to a copy of {@code value}. */
    public Event with(String name, JsonNode value) {
        ObjectNode copy = shallowCopy();
        copy.set(name, value.deepCopy());
        return new Event(this.context, copy);
    }

    public Event with(EventField field, String value) {
        TopLevelFields located = this.located;
        if (located != null && TopLevelFields.isIndexed(field)) {
            TopLevelFields.Spliced spliced = located.with(Objects.requireNonNull(this.json), field, value);
            return new Event(this.context, spliced.json(), spliced.fields());
        }
        return with(field.jsonName(), JsonNodeFactory.instance.stringNode(value));
    }

    public Event with(EventField field, long value) {
        TopLevelFields located = this.located;
        if (located != null && TopLevelFields.isIndexed(field)) {
            TopLevelFields.Spliced spliced = located.with(Objects.requireNonNull(this.json), field, value);
            return new Event(this.context, spliced.json(), spliced.fields());
        }
        return with(field.jsonName(), JsonNodeFactory.instance.numberNode(value));
    }

    public Event without(String name) {
        ObjectNode copy = shallowCopy();
        copy.remove(name);
        return new Event(this.context, copy);
    }

    public Event withContext(RequestContext context) {
        TopLevelFields located = this.located;
        if (located != null) {
            return new Event(context, Objects.requireNonNull(this.json), located);
        }
        ObjectNode parsed = this.fields;
        if (parsed == null) {
            return new Event(context, Objects.requireNonNull(this.json), this.jsonStart, this.deviceId, this.userId);
        }
        return new Event(context, parsed);
    }

    /** Returns a mutable copy of the event's fields. */
    public ObjectNode toJson() {
        return fields().deepCopy();
    }

    /**
     * Writes the event's fields as one JSON object, without its context. An event that was
     * already encoded (see {@link #encodedSize()}) writes its bytes as they are; any other writes
     * its tree and keeps no bytes, so an event encoded once, as a publisher's are, costs no copy.
     */
    public void writeTo(JsonGenerator generator) {
        byte[] encoded = this.json;
        if (encoded != null) {
            generator.writeRawValue(new EncodedJson(encoded, this.jsonStart, jsonEnd() - this.jsonStart));
        }
        else {
            generator.writeTree(fields());
        }
    }

    /**
     * Writes the event's fields as one JSON object in UTF-8, without its context. The bytes are
     * encoded once and kept, so that sizing a batch and sending it encode the event once.
     */
    public void writeTo(OutputStream out) throws IOException {
        byte[] encoded = json();
        out.write(encoded, this.jsonStart, jsonEnd() - this.jsonStart);
    }

    /** Returns the number of bytes {@link #writeTo(OutputStream)} writes. */
    public int encodedSize() {
        json();
        return jsonEnd() - this.jsonStart;
    }

    /**
     * Returns the array that contains the JSON, encoding the tree on first use. An encoded tree
     * fills the whole array.
     */
    private byte[] json() {
        byte[] encoded = this.json;
        if (encoded == null) {
            encoded = MAPPER.writeValueAsBytes(fields());
            this.json = encoded;
        }
        return encoded;
    }

    /** Returns the end of the JSON in {@link #json}, which must be set. */
    private int jsonEnd() {
        return (this.jsonEnd >= 0) ? this.jsonEnd : Objects.requireNonNull(this.json).length;
    }

    private ObjectNode fields() {
        ObjectNode parsed = this.fields;
        if (parsed == null) {
            byte[] encoded = Objects.requireNonNull(this.json);
            JsonNode tree = MAPPER.readTree(encoded, this.jsonStart, jsonEnd() - this.jsonStart);
            if (!(tree instanceof ObjectNode object)) {
                throw new IllegalStateException("The JSON of an encoded event is not an object but " + tree.getNodeType());
            }
            parsed = object;
            this.fields = parsed;
        }
        return parsed;
    }

    /** Copies the top level only: the values are never mutated, so both events may share them. */
    private ObjectNode shallowCopy() {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        copy.setAll(fields());
        return copy;
    }

    @Override
    public boolean equals(Object other) {
        return (other instanceof Event event)
                && this.context.equals(event.context) && fields().equals(event.fields());
    }

    @Override
    public int hashCode() {
        return 31 * this.context.hashCode() + fields().hashCode();
    }

    /** Names the event by type and insert id only: properties may hold personal data. */
    @Override
    public String toString() {
        return "Event[event_type=" + eventType() + ", insert_id=" + insertId().orElse("none") + "]";
    }

    /** Builds an event field by field; used by server code that creates events itself. */
    public static final class Builder {

        private final ObjectNode fields = JsonNodeFactory.instance.objectNode();

        private @Nullable RequestContext context;

        private Builder(String eventType) {
            Objects.requireNonNull(eventType, "eventType");
            this.fields.put(EventField.EVENT_TYPE.jsonName(), eventType);
        }

        public Builder context(RequestContext context) {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        public Builder apiKey(String apiKey) {
            this.context = (this.context != null) ? this.context.withApiKey(apiKey) : RequestContext.of(apiKey);
            return this;
        }

        public Builder userId(String userId) {
            return set(EventField.USER_ID.jsonName(), userId);
        }

        public Builder deviceId(String deviceId) {
            return set(EventField.DEVICE_ID.jsonName(), deviceId);
        }

        public Builder insertId(String insertId) {
            return set(EventField.INSERT_ID.jsonName(), insertId);
        }

        public Builder sessionId(long sessionId) {
            this.fields.put(EventField.SESSION_ID.jsonName(), sessionId);
            return this;
        }

        public Builder time(long epochMillis) {
            this.fields.put(EventField.TIME.jsonName(), epochMillis);
            return this;
        }

        /** Sets one entry of {@code event_properties}; see {@link JsonValues} for accepted types. */
        public Builder eventProperty(String name, Object value) {
            this.fields.withObjectProperty(EventField.EVENT_PROPERTIES.jsonName())
                    .set(name, JsonValues.toNode(value));
            return this;
        }

        /** Sets any top-level field; see {@link JsonValues} for accepted types. */
        public Builder field(String name, Object value) {
            this.fields.set(name, JsonValues.toNode(value));
            return this;
        }

        private Builder set(String name, String value) {
            this.fields.put(name, Objects.requireNonNull(value, name));
            return this;
        }

        /**
         * Builds the event.
         *
         * @throws IllegalStateException when neither {@link #context} nor {@link #apiKey} was set
         */
        public Event build() {
            if (this.context == null) {
                throw new IllegalStateException("An event needs an API key: call apiKey(...) or context(...)");
            }
            return new Event(this.context, this.fields.deepCopy());
        }

    }

}
