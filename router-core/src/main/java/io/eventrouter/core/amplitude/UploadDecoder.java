package io.eventrouter.core.amplitude;

import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.event.TopLevelFields;
import io.eventrouter.core.event.Utf8;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.json.UTF8StreamJsonParser;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decodes the JSON body of {@code POST /2/httpapi} and {@code POST /batch} and validates it as
 * Amplitude does, so that the router rejects exactly what Amplitude would reject and responds in
 * the same shape. Index lists in its responses refer to positions in the request as sent.
 *
 * <p>Checked: the body is a JSON object; {@code api_key} and {@code events} are present; each
 * event is an object with a string {@code event_type}, a {@code user_id} or {@code device_id},
 * ids at least {@code options.min_id_length} long (5 by default) and not one of the placeholder
 * values Amplitude refuses, and the JSON types Amplitude checks. An explicit JSON {@code null} is
 * the same as a missing field, because several SDKs send nulls for every unset field.
 */
public final class UploadDecoder {

    /** Amplitude's default for {@code options.min_id_length}. */
    public static final int DEFAULT_MIN_ID_LENGTH = 5;

    /** The most events Amplitude takes in one request, on both APIs. */
    public static final int MAX_EVENTS = 2000;

    /**
     * Id values Amplitude documents as invalid, compared without case: it does not say whether
     * the comparison ignores case, and rejecting {@code NULL} as well as {@code null} keeps
     * placeholder users from collapsing into one.
     */
    private static final Set<String> INVALID_IDS = Set.of("anonymous", "nil", "none", "null", "n/a", "na",
            "undefined", "unknown", "\"\"", "00000000-0000-0000-0000-000000000000", "{}", "lmy47d", "0", "-1");

    private static final List<EventField> TYPE_CHECKED = List.of(EventField.USER_ID, EventField.DEVICE_ID,
            EventField.TIME, EventField.SESSION_ID, EventField.EVENT_ID, EventField.INSERT_ID,
            EventField.EVENT_PROPERTIES, EventField.USER_PROPERTIES, EventField.GROUPS, EventField.GROUP_PROPERTIES);

    /** The integer fields whose whole decimals, such as {@code 1.7e12}, are rewritten as integers. */
    private static final List<EventField> REWRITTEN = List.of(EventField.TIME, EventField.SESSION_ID,
            EventField.EVENT_ID, EventField.QUANTITY);

    private static final String INVALID_MIN_ID_LENGTH = "Invalid options: min_id_length must be a non-negative integer";

    private static final BigDecimal MAX_INT = BigDecimal.valueOf(Integer.MAX_VALUE);

    private final int maxEvents;

    public UploadDecoder() {
        this(MAX_EVENTS);
    }

    public UploadDecoder(int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be at least 1, but was " + maxEvents);
        }
        this.maxEvents = maxEvents;
    }

    /**
     * Decodes and validates an upload body, sharing it with the events as
     * {@link #decode(byte[], Predicate)} does.
     *
     * @throws UploadRejectedException with Amplitude's response when the request is invalid
     */
    public UploadRequest decode(byte[] body) {
        return decode(body, (apiKey) -> true);
    }

    /**
     * Decodes and validates an upload body, rejecting an API key that {@code acceptsApiKey} does
     * not accept with Amplitude's invalid-key response before any event is looked at.
     *
     * <p>A UTF-8 body is read once by a streaming parser: each event keeps its bytes as the
     * client wrote them, with the fields the router reads located in them (see
     * {@link TopLevelFields}), so no event is built into a tree or encoded again. A body in
     * UTF-16 or UTF-32, which JSON also allows, is transcoded to UTF-8 first. An event with a
     * located field written twice, and an event whose integer field must be rewritten, are read
     * into trees instead. A body that is not valid in its encoding, such as UTF-8 with an
     * overlong form or UTF-16 with a lone surrogate, gets the invalid-JSON response.
     *
     * @param body the request body, which the decoded events share from now on: the caller
     * must not change it, and after a successful decode its line breaks may be spaces
     * @throws UploadRejectedException with Amplitude's response when the request is invalid
     */
    public UploadRequest decode(byte[] body, Predicate<String> acceptsApiKey) {
        if (body.length == 0) {
            throw rejection(AmplitudeResponse.error(400, "Missing request body"));
        }
        byte[] utf8 = body;
        ScannedUpload upload = scan(utf8);
        if (upload == null) {
            utf8 = toUtf8(body);
            upload = scan(utf8);
            if (upload == null) {
                throw invalidJson();
            }
        }
        String apiKey = checkRequest(upload.apiKey, (upload.events != null) ? upload.eventCount : 0, acceptsApiKey);
        RequestContext context = new RequestContext(apiKey, upload.minIdLength());
        int minIdLength = minIdLength(context);
        AmplitudeResponse.ErrorBuilder errors = AmplitudeResponse.error(400, "Invalid field values on some events");
        for (int index = 0; index < upload.events.size(); index++) {
            TopLevelFields event = upload.events.get(index);
            validate((event != null) ? new ScannedView(event) : NOT_AN_OBJECT, index, minIdLength, errors);
        }
        if (errors.hasEventErrors()) {
            throw new UploadRejectedException(withIdLengthText(errors).build(), upload.events.size());
        }
        List<Event> decoded = new ArrayList<>(upload.events.size());
        for (TopLevelFields event : upload.events) {
            decoded.add(toEvent(context, utf8, Objects.requireNonNull(event)));
        }
        return new UploadRequest(context, decoded);
    }

    private static Event toEvent(RequestContext context, byte[] body, TopLevelFields event) {
        if (event.isSpliceable() && !hasWholeDecimal(event)) {
            return IdentifyApi.withoutClientMarker(Event.ofScanned(context, body, event));
        }
        int start = event.objectStart();
        ObjectNode fields = (ObjectNode) AmplitudeJson.MAPPER.readTree(body, start, event.objectEnd() - start);
        writeWholeDecimalsAsIntegers(fields);
        return IdentifyApi.withoutClientMarker(Event.ofOwned(context, fields));
    }

    private static boolean hasWholeDecimal(TopLevelFields event) {
        for (EventField field : REWRITTEN) {
            if (event.token(field) == JsonToken.VALUE_NUMBER_FLOAT && event.isWhole(field)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the body with a streaming parser, or returns null when the parser reads it as UTF-16
     * or UTF-32, which must be transcoded first.
     */
    private @Nullable ScannedUpload scan(byte[] body) {
        try (JsonParser parser = AmplitudeJson.MAPPER.createParser(body)) {
            if (!TopLevelFields.canScan(parser, body)) {
                if (parser instanceof UTF8StreamJsonParser) {
                    // Bytes that are not valid UTF-8. Jackson rejects some but decodes overlong
                    // forms, such as C0 AF for '/', and code points above U+10FFFF, so a tree
                    // would pass them on as other text.
                    throw invalidJson();
                }
                return null;
            }
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw invalidJson();
            }
            ScannedUpload upload = new ScannedUpload();
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "api_key" -> upload.apiKey = (value == JsonToken.VALUE_STRING) ? parser.getString() : null;
                    case "events" -> scanEvents(parser, body, value, upload);
                    case "options" -> scanOptions(parser, value, upload);
                    default -> parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw invalidJson();
            }
            return upload;
        }
        catch (JacksonException ex) {
            // The client needs the protocol's response, not the parser's message.
            throw invalidJson();
        }
    }

    private void scanEvents(JsonParser parser, byte[] body, @Nullable JsonToken value, ScannedUpload upload) {
        // A name given twice keeps its last value, as a tree would.
        upload.events = null;
        upload.eventCount = 0;
        if (value != JsonToken.START_ARRAY) {
            parser.skipChildren();
            return;
        }
        List<@Nullable TopLevelFields> events = new ArrayList<>();
        JsonToken element;
        while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
            upload.eventCount++;
            if (element == JsonToken.START_OBJECT && upload.eventCount <= this.maxEvents) {
                events.add(TopLevelFields.scan(parser, body));
            }
            else {
                // Past the limit the body is only checked for syntax, as a tree would have read it.
                events.add(null);
                parser.skipChildren();
            }
        }
        upload.events = events;
    }

    private static void scanOptions(JsonParser parser, @Nullable JsonToken value, ScannedUpload upload) {
        upload.minIdLength = null;
        upload.minIdLengthValid = true;
        if (value != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return;
        }
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            JsonToken option = parser.nextToken();
            if ("min_id_length".equals(name)) {
                upload.minIdLength = null;
                upload.minIdLengthValid = true;
                if (option == JsonToken.VALUE_NUMBER_INT || option == JsonToken.VALUE_NUMBER_FLOAT) {
                    upload.minIdLength = intValue(parser.getDecimalValue());
                    upload.minIdLengthValid = upload.minIdLength != null;
                }
                else if (option != JsonToken.VALUE_NULL) {
                    upload.minIdLengthValid = false;
                }
            }
            parser.skipChildren();
        }
    }

    /** Returns a whole, non-negative number that fits in an {@code int}, written either way, or null. */
    private static @Nullable Integer intValue(BigDecimal value) {
        if (value.signum() < 0 || value.compareTo(MAX_INT) > 0) {
            return null;
        }
        if (value.scale() > 0 && value.stripTrailingZeros().scale() > 0) {
            return null;
        }
        return value.intValue();
    }

    /** The parts of an upload that the streaming read found. */
    private static final class ScannedUpload {

        @Nullable String apiKey;

        /** Each event's located fields (null for an element that is not an object), or null without events. */
        @Nullable List<@Nullable TopLevelFields> events;

        int eventCount;

        @Nullable Integer minIdLength;

        boolean minIdLengthValid = true;

        @Nullable Integer minIdLength() {
            if (!this.minIdLengthValid) {
                throw rejection(AmplitudeResponse.error(400, INVALID_MIN_ID_LENGTH));
            }
            return this.minIdLength;
        }

    }

    /**
     * Validates each element of {@code events} as an HTTP V2 event and collects what is wrong,
     * by position in the array. Decoders of other upload formats use it to find the events
     * Amplitude would refuse. It also rewrites a whole decimal in an integer field, such as a
     * {@code time} of {@code 1.7e12}, as an integer.
     */
    public static AmplitudeResponse.ErrorBuilder validateEvents(JsonNode events, int minIdLength) {
        AmplitudeResponse.ErrorBuilder errors = AmplitudeResponse.error(400, "Invalid field values on some events");
        for (int index = 0; index < events.size(); index++) {
            JsonNode event = events.get(index);
            validate(event.isObject() ? new TreeView(event) : NOT_AN_OBJECT, index, minIdLength, errors);
            if (event instanceof ObjectNode object) {
                writeWholeDecimalsAsIntegers(object);
            }
        }
        return withIdLengthText(errors);
    }

    private static AmplitudeResponse.ErrorBuilder withIdLengthText(AmplitudeResponse.ErrorBuilder errors) {
        if (errors.listsOnlyIdLengths()) {
            errors.error("Invalid id length for user_id or device_id");
        }
        return errors;
    }

    /**
     * Transcodes a body in UTF-16 or UTF-32, which JSON allows, to UTF-8. The encoding is
     * recognised as RFC 4627 describes: by a byte order mark, which is dropped, or else by the
     * zero bytes around the first two characters, which are ASCII in any JSON text. Bytes that
     * are not valid in that encoding, such as a lone surrogate, get the invalid-JSON response
     * rather than replacement characters.
     */
    private static byte[] toUtf8(byte[] body) {
        int b0 = byteAt(body, 0);
        int b1 = byteAt(body, 1);
        int b2 = byteAt(body, 2);
        int b3 = byteAt(body, 3);
        String charset;
        int bom = 0;
        if (b0 == 0 && b1 == 0 && b2 == 0xFE && b3 == 0xFF) {
            charset = "UTF-32BE";
            bom = 4;
        }
        else if (b0 == 0xFF && b1 == 0xFE && b2 == 0 && b3 == 0) {
            charset = "UTF-32LE";
            bom = 4;
        }
        else if (b0 == 0xFE && b1 == 0xFF) {
            charset = "UTF-16BE";
            bom = 2;
        }
        else if (b0 == 0xFF && b1 == 0xFE) {
            charset = "UTF-16LE";
            bom = 2;
        }
        else if (b0 == 0 && b1 == 0) {
            charset = "UTF-32BE";
        }
        else if (b0 == 0) {
            charset = "UTF-16BE";
        }
        else if (b1 == 0 && b2 == 0 && b3 == 0) {
            charset = "UTF-32LE";
        }
        else if (b1 == 0) {
            charset = "UTF-16LE";
        }
        else {
            throw invalidJson();
        }
        try {
            return Utf8.transcode(body, bom, body.length - bom, Charset.forName(charset));
        }
        catch (CharacterCodingException ex) {
            throw invalidJson();
        }
    }

    private static int byteAt(byte[] body, int index) {
        return (index < body.length) ? body[index] & 0xFF : -1;
    }

    private static UploadRejectedException invalidJson() {
        return rejection(AmplitudeResponse.error(400, "Invalid JSON request body"));
    }

    /**
     * Applies the request-level rules of both readers, in Amplitude's order: an API key present,
     * then accepted, then at least one and at most {@code maxEvents} events. Returns the key.
     */
    private String checkRequest(@Nullable String apiKey, int eventCount, Predicate<String> acceptsApiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            throw rejection(AmplitudeResponse.error(400, "Request missing required field").missingField("api_key"));
        }
        if (!acceptsApiKey.test(apiKey)) {
            throw new UploadRejectedException(AmplitudeResponse.invalidApiKey(apiKey));
        }
        if (eventCount == 0) {
            throw rejection(AmplitudeResponse.error(400, "Request missing required field").missingField("events"));
        }
        if (eventCount > this.maxEvents) {
            throw new UploadRejectedException(AmplitudeResponse.payloadTooLarge());
        }
        return apiKey;
    }

    /** Returns the minimum length of a user or device id that Amplitude accepts for events of {@code context}. */
    public static int minIdLength(RequestContext context) {
        return (context.minIdLength() != null) ? context.minIdLength() : DEFAULT_MIN_ID_LENGTH;
    }

    /**
     * Returns why Amplitude refuses {@code id} as a user or device id, or null when it takes it:
     * an id shorter than {@code minIdLength} code points, or a placeholder such as "null".
     */
    public static @Nullable String idProblem(String id, int minIdLength) {
        if (id.codePointCount(0, id.length()) < minIdLength) {
            return "shorter than " + minIdLength + " characters";
        }
        if (INVALID_IDS.contains(id.toLowerCase(Locale.ROOT))) {
            return "a placeholder Amplitude refuses";
        }
        return null;
    }

    /**
     * The top-level fields of one event as validation reads them, from a tree or from a
     * streaming scan, so that both are validated by the same rules.
     */
    private interface EventView {

        boolean isObject();

        /** Returns the token of the field's value, or null when the field is missing. */
        @Nullable JsonToken token(EventField field);

        /** Tells whether the field is a whole number that fits in a {@code long}. */
        boolean isWhole(EventField field);

        /** Returns the field's value when it is a string, or null. */
        @Nullable String string(EventField field);

    }

    private static final EventView NOT_AN_OBJECT = new EventView() {

        @Override
        public boolean isObject() {
            return false;
        }

        @Override
        public @Nullable JsonToken token(EventField field) {
            return null;
        }

        @Override
        public boolean isWhole(EventField field) {
            return false;
        }

        @Override
        public @Nullable String string(EventField field) {
            return null;
        }

    };

    private record TreeView(JsonNode event) implements EventView {

        @Override
        public boolean isObject() {
            return true;
        }

        @Override
        public @Nullable JsonToken token(EventField field) {
            JsonNode value = this.event.get(field.jsonName());
            return (value != null) ? value.asToken() : null;
        }

        @Override
        public boolean isWhole(EventField field) {
            JsonNode value = this.event.get(field.jsonName());
            return value != null && value.isNumber() && value.canConvertToExactIntegral() && value.canConvertToLong();
        }

        @Override
        public @Nullable String string(EventField field) {
            JsonNode value = this.event.get(field.jsonName());
            return (value != null && value.isString()) ? value.stringValue() : null;
        }

    }

    private record ScannedView(TopLevelFields event) implements EventView {

        @Override
        public boolean isObject() {
            return true;
        }

        @Override
        public @Nullable JsonToken token(EventField field) {
            return this.event.token(field);
        }

        @Override
        public boolean isWhole(EventField field) {
            return this.event.isWhole(field);
        }

        @Override
        public @Nullable String string(EventField field) {
            return this.event.string(field);
        }

    }

    private static void validate(EventView event, int index, int minIdLength, AmplitudeResponse.ErrorBuilder errors) {
        if (!event.isObject()) {
            errors.invalidField("event", index);
            return;
        }
        JsonToken eventType = event.token(EventField.EVENT_TYPE);
        if (isAbsent(eventType)) {
            errors.missingEventField(EventField.EVENT_TYPE.jsonName(), index);
        }
        else if (eventType != JsonToken.VALUE_STRING) {
            errors.invalidField(EventField.EVENT_TYPE.jsonName(), index);
        }
        else {
            String type = event.string(EventField.EVENT_TYPE);
            if (type != null && isBlankEventType(type)) {
                errors.missingEventField(EventField.EVENT_TYPE.jsonName(), index);
            }
        }
        for (EventField field : TYPE_CHECKED) {
            if (!isAbsent(event.token(field)) && !hasType(event, field)) {
                errors.invalidField(field.jsonName(), index);
            }
        }
        validateIds(event, index, minIdLength, errors);
    }

    /**
     * Tells whether an event type is blank, which Amplitude rejects with 400: empty, or only
     * characters that JavaScript's {@code trim()} removes. Amplitude's TypeScript SDK drops such
     * events with that check, because the server rejects them. One accepted here would become a
     * dead letter after its client got 200.
     */
    public static boolean isBlankEventType(String eventType) {
        for (int i = 0; i < eventType.length(); i++) {
            char c = eventType.charAt(i);
            boolean trimmed = Character.getType(c) == Character.SPACE_SEPARATOR
                    || (c >= '\t' && c <= '\r') || c == '\u2028' || c == '\u2029' || c == '\uFEFF';
            if (!trimmed) {
                return false;
            }
        }
        return true;
    }

    private static void validateIds(EventView event, int index, int minIdLength, AmplitudeResponse.ErrorBuilder errors) {
        String userId = presentString(event, EventField.USER_ID);
        String deviceId = presentString(event, EventField.DEVICE_ID);
        // Amplitude's own event of this type carries neither id; see its Group Identify API.
        boolean groupIdentify = "$groupidentify".equals(event.string(EventField.EVENT_TYPE));
        if (userId == null && deviceId == null && !groupIdentify) {
            errors.missingEventField(EventField.USER_ID.jsonName(), index);
            errors.missingEventField(EventField.DEVICE_ID.jsonName(), index);
            return;
        }
        checkId(userId, EventField.USER_ID, index, minIdLength, errors);
        checkId(deviceId, EventField.DEVICE_ID, index, minIdLength, errors);
    }

    private static void checkId(@Nullable String value, EventField field, int index, int minIdLength,
            AmplitudeResponse.ErrorBuilder errors) {
        if (value == null) {
            return;
        }
        if (value.codePointCount(0, value.length()) < minIdLength) {
            // The Java, Kotlin and Swift SDKs drop only events listed as invalid fields, and
            // the TypeScript SDKs read the id-length map: listing both makes every SDK drop
            // this event and resend the rest of the batch.
            errors.invalidIdLength(field.jsonName(), index);
            errors.invalidField(field.jsonName(), index);
        }
        else if (idProblem(value, minIdLength) != null) {
            errors.invalidField(field.jsonName(), index);
        }
    }

    /**
     * Rewrites a whole decimal that fits in 64 bits, such as 1.7e12, as an integer in the fields
     * Amplitude types as integers. Amplitude documents quantity as an integer but not what it
     * does with anything else, so a quantity that is not whole passes on unchanged.
     */
    private static void writeWholeDecimalsAsIntegers(ObjectNode event) {
        for (EventField field : REWRITTEN) {
            JsonNode value = event.get(field.jsonName());
            if (value != null && value.isFloatingPointNumber() && value.canConvertToExactIntegral()
                    && value.canConvertToLong()) {
                event.put(field.jsonName(), value.longValue());
            }
        }
    }

    private static boolean isAbsent(@Nullable JsonToken token) {
        return token == null || token == JsonToken.VALUE_NULL;
    }

    private static @Nullable String presentString(EventView event, EventField field) {
        String value = event.string(field);
        return (value != null && !value.isEmpty()) ? value : null;
    }

    private static boolean hasType(EventView event, EventField field) {
        JsonToken token = event.token(field);
        boolean number = token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
        return switch (field.type()) {
            case STRING -> token == JsonToken.VALUE_STRING;
            case INTEGER -> number && event.isWhole(field);
            case NUMBER -> number;
            case BOOLEAN -> token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
            case OBJECT -> token == JsonToken.START_OBJECT;
            case ANY -> true;
        };
    }

    private static UploadRejectedException rejection(AmplitudeResponse.ErrorBuilder errors) {
        return new UploadRejectedException(errors.build());
    }

}
