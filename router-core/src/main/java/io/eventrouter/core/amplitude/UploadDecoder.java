package io.eventrouter.core.amplitude;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.event.RequestContext;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
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
     * Decodes and validates an upload body.
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
     * @throws UploadRejectedException with Amplitude's response when the request is invalid
     */
    public UploadRequest decode(byte[] body, Predicate<String> acceptsApiKey) {
        ObjectNode request = parse(body);
        String apiKey = requiredApiKey(request);
        if (!acceptsApiKey.test(apiKey)) {
            throw new UploadRejectedException(AmplitudeResponse.invalidApiKey(apiKey));
        }
        JsonNode events = request.get("events");
        if (events == null || !events.isArray() || events.isEmpty()) {
            throw rejection(AmplitudeResponse.error(400, "Request missing required field").missingField("events"));
        }
        if (events.size() > this.maxEvents) {
            throw new UploadRejectedException(AmplitudeResponse.payloadTooLarge());
        }
        RequestContext context = new RequestContext(apiKey, minIdLength(request));
        int minIdLength = (context.minIdLength() != null) ? context.minIdLength() : DEFAULT_MIN_ID_LENGTH;
        AmplitudeResponse.ErrorBuilder errors = validateEvents(events, minIdLength);
        if (errors.hasEventErrors()) {
            throw rejection(errors);
        }
        List<Event> decoded = new ArrayList<>(events.size());
        for (JsonNode event : events) {
            decoded.add(Event.ofOwned(context, (ObjectNode) event));
        }
        return new UploadRequest(context, decoded);
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
            validate(events.get(index), index, minIdLength, errors);
        }
        if (errors.listsOnlyIdLengths()) {
            errors.error("Invalid id length for user_id or device_id");
        }
        return errors;
    }

    private static ObjectNode parse(byte[] body) {
        if (body.length == 0) {
            throw rejection(AmplitudeResponse.error(400, "Missing request body"));
        }
        try {
            JsonNode request = AmplitudeJson.MAPPER.readTree(body);
            if (request instanceof ObjectNode object) {
                return object;
            }
        }
        catch (JacksonException ex) {
            // Reported below: the client needs the protocol's response, not the parser's message.
        }
        throw rejection(AmplitudeResponse.error(400, "Invalid JSON request body"));
    }

    private static String requiredApiKey(ObjectNode request) {
        JsonNode apiKey = request.get("api_key");
        if (apiKey == null || !apiKey.isString() || apiKey.stringValue().isBlank()) {
            throw rejection(AmplitudeResponse.error(400, "Request missing required field").missingField("api_key"));
        }
        return apiKey.stringValue();
    }

    private static @Nullable Integer minIdLength(ObjectNode request) {
        JsonNode value = request.path("options").get("min_id_length");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
            throw rejection(AmplitudeResponse.error(400, "Invalid options: min_id_length must be a non-negative integer"));
        }
        return value.intValue();
    }

    private static void validate(JsonNode event, int index, int minIdLength, AmplitudeResponse.ErrorBuilder errors) {
        if (!event.isObject()) {
            errors.invalidField("event", index);
            return;
        }
        JsonNode eventType = event.get(EventField.EVENT_TYPE.jsonName());
        if (isAbsent(eventType)) {
            errors.missingEventField(EventField.EVENT_TYPE.jsonName(), index);
        }
        else if (!eventType.isString()) {
            errors.invalidField(EventField.EVENT_TYPE.jsonName(), index);
        }
        for (EventField field : TYPE_CHECKED) {
            JsonNode value = event.get(field.jsonName());
            if (isAbsent(value)) {
                continue;
            }
            if (!hasType(value, field.type())) {
                errors.invalidField(field.jsonName(), index);
            }
            else if (field.type() == EventField.Type.INTEGER) {
                writeWholeAsInteger((ObjectNode) event, field);
            }
        }
        // Amplitude documents quantity as an integer but not what it does with anything else,
        // so the router only rewrites a whole decimal and passes other values on.
        writeWholeAsInteger((ObjectNode) event, EventField.QUANTITY);
        validateIds(event, index, minIdLength, errors);
    }

    private static void validateIds(JsonNode event, int index, int minIdLength, AmplitudeResponse.ErrorBuilder errors) {
        JsonNode userId = event.get(EventField.USER_ID.jsonName());
        JsonNode deviceId = event.get(EventField.DEVICE_ID.jsonName());
        boolean hasUserId = isPresentString(userId);
        boolean hasDeviceId = isPresentString(deviceId);
        // Amplitude's own event of this type carries neither id; see its Group Identify API.
        boolean groupIdentify = "$groupidentify".equals(event.path(EventField.EVENT_TYPE.jsonName()).asString(""));
        if (!hasUserId && !hasDeviceId && !groupIdentify) {
            errors.missingEventField(EventField.USER_ID.jsonName(), index);
            errors.missingEventField(EventField.DEVICE_ID.jsonName(), index);
            return;
        }
        checkId(userId, EventField.USER_ID, index, minIdLength, errors);
        checkId(deviceId, EventField.DEVICE_ID, index, minIdLength, errors);
    }

    private static void checkId(@Nullable JsonNode id, EventField field, int index, int minIdLength,
            AmplitudeResponse.ErrorBuilder errors) {
        if (!isPresentString(id)) {
            return;
        }
        String value = id.stringValue();
        if (value.codePointCount(0, value.length()) < minIdLength) {
            // The Java, Kotlin and Swift SDKs drop only events listed as invalid fields, and
            // the TypeScript SDKs read the id-length map: listing both makes every SDK drop
            // this event and resend the rest of the batch.
            errors.invalidIdLength(field.jsonName(), index);
            errors.invalidField(field.jsonName(), index);
        }
        else if (INVALID_IDS.contains(value.toLowerCase(Locale.ROOT))) {
            errors.invalidField(field.jsonName(), index);
        }
    }

    /** Rewrites a whole decimal that fits in 64 bits, such as 1.7e12, as an integer. */
    private static void writeWholeAsInteger(ObjectNode event, EventField field) {
        JsonNode value = event.get(field.jsonName());
        if (value != null && value.isFloatingPointNumber() && isWhole(value)) {
            event.put(field.jsonName(), value.longValue());
        }
    }

    private static boolean isAbsent(@Nullable JsonNode value) {
        return value == null || value.isNull();
    }

    private static boolean isPresentString(@Nullable JsonNode value) {
        return value != null && value.isString() && !value.stringValue().isEmpty();
    }

    private static boolean hasType(JsonNode value, EventField.Type type) {
        return switch (type) {
            case STRING -> value.isString();
            case INTEGER -> value.isNumber() && isWhole(value);
            case NUMBER -> value.isNumber();
            case BOOLEAN -> value.isBoolean();
            case OBJECT -> value.isObject();
            case ANY -> true;
        };
    }

    /**
     * Accepts a whole number that fits in 64 bits, also written as {@code 1.0}, since JavaScript
     * clients cannot tell the two apart. Neither {@code 1e400} nor {@code 2^64} fits.
     */
    private static boolean isWhole(JsonNode value) {
        return value.canConvertToExactIntegral() && value.canConvertToLong();
    }

    private static UploadRejectedException rejection(AmplitudeResponse.ErrorBuilder errors) {
        return new UploadRejectedException(errors.build());
    }

}
