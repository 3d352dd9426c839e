package io.eventrouter.bridge.ingest;

import java.util.List;
import java.util.Set;

import io.eventrouter.bridge.privacy.RemoteAddressFiller;
import io.eventrouter.core.event.EventField;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Maps an event of the legacy upload (amplitude-js 8, legacy Android and iOS) into the HTTP V2
 * shape. Fields the two formats share keep their names; fields not mapped here stay as they came.
 *
 * <ul>
 * <li>{@code timestamp} becomes {@code time}, {@code uuid} becomes {@code insert_id}, and
 * {@code library: {name, version}} becomes {@code "name/version"}.
 * <li>From {@code api_properties}, copied to the top level unless the event already has the
 * field: {@code location.lat/lng} as {@code location_lat/lng}, {@code androidADID} as
 * {@code adid}, and {@code android_app_set_id}, {@code productId}, {@code quantity},
 * {@code price}, {@code revenue}, {@code revenueType}, {@code receipt} and {@code receiptSig}.
 * {@code api_properties} itself stays as it came.
 * <li>A value is copied only when it has the JSON type of its {@link EventField}: a number for
 * the location, {@code price} and {@code revenue}, a whole number for {@code quantity}, a string
 * for the others. Amplitude's HTTP V2 API documents these types, and an event it rejects for a
 * wrong one ends in the dead-letter store, long after the SDK received {@code success}. The
 * legacy protocol cannot report one invalid event either: the SDKs treat any response but HTTP
 * 200 as a failure of the whole batch and send it again. So a value of another type is not
 * copied. It stays only inside {@code api_properties}, where the legacy SDK put it, the event is
 * accepted without the top-level field, and the field's name is passed back for the log.
 * <li>The legacy server takes the user's IP from the upload itself, so each event gets
 * {@code ip: "$remote"} unless it has an {@code ip} or its {@code tracking_options} turn
 * {@code ip_address} off.
 * </ul>
 */
final class LegacyEvents {

    private static final String API_PROPERTIES = "api_properties";

    private static final List<EventField> LIFTED_API_PROPERTIES = List.of(EventField.ANDROID_APP_SET_ID,
            EventField.PRODUCT_ID, EventField.QUANTITY, EventField.PRICE, EventField.REVENUE,
            EventField.REVENUE_TYPE, EventField.RECEIPT, EventField.RECEIPT_SIG);

    private LegacyEvents() {
    }

    /**
     * Returns the HTTP V2 form of a legacy event; anything that is not an object is returned
     * unchanged.
     *
     * @param invalidFields receives the top-level name of each field that was not copied from
     *        {@code api_properties} because its value has the wrong JSON type
     */
    static JsonNode toHttpApi(JsonNode legacy, Set<String> invalidFields) {
        if (!(legacy instanceof ObjectNode source)) {
            return legacy;
        }
        ObjectNode event = source.deepCopy();
        rename(event, "timestamp", EventField.TIME.jsonName());
        rename(event, "uuid", EventField.INSERT_ID.jsonName());
        JsonNode library = event.get(EventField.LIBRARY.jsonName());
        if (library != null && library.isObject()) {
            event.put(EventField.LIBRARY.jsonName(),
                    library.path("name").asString("unknown") + "/" + library.path("version").asString("unknown"));
        }
        JsonNode apiProperties = event.get(API_PROPERTIES);
        if (apiProperties != null && apiProperties.isObject()) {
            liftApiProperties(event, (ObjectNode) apiProperties, invalidFields);
        }
        if (!event.has(EventField.IP.jsonName()) && tracksIpAddress(apiProperties)) {
            event.put(EventField.IP.jsonName(), RemoteAddressFiller.REMOTE);
        }
        return event;
    }

    private static void liftApiProperties(ObjectNode event, ObjectNode apiProperties, Set<String> invalidFields) {
        JsonNode location = apiProperties.get("location");
        if (location != null && location.isObject()) {
            lift(event, EventField.LOCATION_LAT, location.get("lat"), invalidFields);
            lift(event, EventField.LOCATION_LNG, location.get("lng"), invalidFields);
        }
        lift(event, EventField.ADID, apiProperties.get("androidADID"), invalidFields);
        for (EventField field : LIFTED_API_PROPERTIES) {
            lift(event, field, apiProperties.get(field.jsonName()), invalidFields);
        }
    }

    /**
     * Copies a value to the top level unless the event has the field, JSON null counting as
     * absent, or the value's type is wrong.
     */
    private static void lift(ObjectNode event, EventField field, @Nullable JsonNode value, Set<String> invalidFields) {
        JsonNode existing = event.get(field.jsonName());
        if (value == null || value.isNull() || (existing != null && !existing.isNull())) {
            return;
        }
        if (!hasType(value, field.type())) {
            invalidFields.add(field.jsonName());
            return;
        }
        event.set(field.jsonName(), value);
    }

    /**
     * Returns whether a value has a lifted field's type. A whole number may be written as a
     * decimal such as {@code 2.0}, as JavaScript clients do, and must fit in 64 bits.
     */
    private static boolean hasType(JsonNode value, EventField.Type type) {
        return switch (type) {
            case STRING -> value.isString();
            case NUMBER -> value.isNumber();
            case INTEGER -> value.isNumber() && value.canConvertToExactIntegral() && value.canConvertToLong();
            default -> throw new IllegalArgumentException("No field of type " + type + " is lifted");
        };
    }

    private static boolean tracksIpAddress(@Nullable JsonNode apiProperties) {
        if (apiProperties == null) {
            return true;
        }
        JsonNode ipAddress = apiProperties.path("tracking_options").get("ip_address");
        return ipAddress == null || !ipAddress.isBoolean() || ipAddress.booleanValue();
    }

    private static void rename(ObjectNode event, String from, String to) {
        JsonNode value = event.remove(from);
        if (value != null && !event.has(to)) {
            event.set(to, value);
        }
    }

}
