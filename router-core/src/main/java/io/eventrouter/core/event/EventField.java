package io.eventrouter.core.event;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The fields of Amplitude's HTTP V2 event, with the JSON type Amplitude expects for each.
 *
 * <p>{@link Event} keeps fields that are not listed here as they arrived, so this list decides
 * only what is validated and what has typed accessors, never what survives.
 */
public enum EventField {

    USER_ID("user_id", Type.STRING),
    DEVICE_ID("device_id", Type.STRING),
    EVENT_TYPE("event_type", Type.STRING),
    TIME("time", Type.INTEGER),
    EVENT_PROPERTIES("event_properties", Type.OBJECT),
    USER_PROPERTIES("user_properties", Type.OBJECT),
    GROUPS("groups", Type.OBJECT),
    GROUP_PROPERTIES("group_properties", Type.OBJECT),
    SKIP_USER_PROPERTIES_SYNC("$skip_user_properties_sync", Type.BOOLEAN),
    APP_VERSION("app_version", Type.STRING),
    VERSION_NAME("version_name", Type.STRING),
    PLATFORM("platform", Type.STRING),
    OS_NAME("os_name", Type.STRING),
    OS_VERSION("os_version", Type.STRING),
    DEVICE_BRAND("device_brand", Type.STRING),
    DEVICE_MANUFACTURER("device_manufacturer", Type.STRING),
    DEVICE_MODEL("device_model", Type.STRING),
    CARRIER("carrier", Type.STRING),
    COUNTRY("country", Type.STRING),
    REGION("region", Type.STRING),
    CITY("city", Type.STRING),
    DMA("dma", Type.STRING),
    LANGUAGE("language", Type.STRING),
    USER_AGENT("user_agent", Type.STRING),
    PRICE("price", Type.NUMBER),
    QUANTITY("quantity", Type.INTEGER),
    REVENUE("revenue", Type.NUMBER),
    PRODUCT_ID("productId", Type.STRING),
    REVENUE_TYPE("revenueType", Type.STRING),
    CURRENCY("currency", Type.STRING),
    RECEIPT("receipt", Type.STRING),
    RECEIPT_SIG("receiptSig", Type.STRING),
    LOCATION_LAT("location_lat", Type.NUMBER),
    LOCATION_LNG("location_lng", Type.NUMBER),
    IP("ip", Type.STRING),
    IDFA("idfa", Type.STRING),
    IDFV("idfv", Type.STRING),
    ADID("adid", Type.STRING),
    ANDROID_ID("android_id", Type.STRING),
    ANDROID_APP_SET_ID("android_app_set_id", Type.STRING),
    EVENT_ID("event_id", Type.INTEGER),
    SESSION_ID("session_id", Type.INTEGER),
    INSERT_ID("insert_id", Type.STRING),
    PLAN("plan", Type.OBJECT),
    INGESTION_METADATA("ingestion_metadata", Type.OBJECT),
    PARTNER_ID("partner_id", Type.STRING),
    /** A string such as {@code amplitude-ts/2.45.6}; legacy SDKs send an object instead. */
    LIBRARY("library", Type.ANY);

    private static final Map<String, EventField> BY_NAME = new HashMap<>();

    static {
        for (EventField field : values()) {
            BY_NAME.put(field.jsonName, field);
        }
    }

    private final String jsonName;

    private final Type type;

    EventField(String jsonName, Type type) {
        this.jsonName = jsonName;
        this.type = type;
    }

    /** The field's name in Amplitude's JSON, such as {@code event_type}. */
    public String jsonName() {
        return this.jsonName;
    }

    public Type type() {
        return this.type;
    }

    public static Optional<EventField> fromJsonName(String jsonName) {
        return Optional.ofNullable(BY_NAME.get(jsonName));
    }

    /** The JSON type Amplitude accepts for a field. JSON {@code null} is accepted for every type. */
    public enum Type {
        STRING, INTEGER, NUMBER, BOOLEAN, OBJECT, ANY
    }

}
