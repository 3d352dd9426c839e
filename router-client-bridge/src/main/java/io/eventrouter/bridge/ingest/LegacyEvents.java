package io.eventrouter.bridge.ingest;

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
 * <li>The legacy server takes the user's IP from the upload itself, so each event gets
 * {@code ip: "$remote"} unless it has an {@code ip} or its {@code tracking_options} turn
 * {@code ip_address} off.
 * </ul>
 */
final class LegacyEvents {

    private static final String API_PROPERTIES = "api_properties";

    private static final String[] LIFTED_API_PROPERTIES = { "android_app_set_id", "productId", "quantity", "price",
        "revenue", "revenueType", "receipt", "receiptSig" };

    private LegacyEvents() {
    }

    /** Returns the HTTP V2 form of a legacy event; anything that is not an object is returned unchanged. */
    static JsonNode toHttpApi(JsonNode legacy) {
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
            liftApiProperties(event, (ObjectNode) apiProperties);
        }
        if (!event.has(EventField.IP.jsonName()) && tracksIpAddress(apiProperties)) {
            event.put(EventField.IP.jsonName(), RemoteAddressFiller.REMOTE);
        }
        return event;
    }

    private static void liftApiProperties(ObjectNode event, ObjectNode apiProperties) {
        JsonNode location = apiProperties.get("location");
        if (location != null && location.isObject()) {
            copyIfAbsent(event, EventField.LOCATION_LAT.jsonName(), location.get("lat"));
            copyIfAbsent(event, EventField.LOCATION_LNG.jsonName(), location.get("lng"));
        }
        copyIfAbsent(event, EventField.ADID.jsonName(), apiProperties.get("androidADID"));
        for (String name : LIFTED_API_PROPERTIES) {
            copyIfAbsent(event, name, apiProperties.get(name));
        }
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

    private static void copyIfAbsent(ObjectNode event, String name, @Nullable JsonNode value) {
        if (value != null && !value.isNull() && !event.has(name)) {
            event.set(name, value);
        }
    }

}
