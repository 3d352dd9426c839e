package io.eventrouter.core.amplitude;

import java.util.Optional;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Amplitude's Identify and Group Identify APIs, whose requests the router carries as
 * {@code $identify} and {@code $groupidentify} events.
 *
 * <p>An identification sent to one of these APIs is not an event for Amplitude: it counts
 * towards no active users and no event volume. So each event made from one carries
 * {@link #MARKER_FIELD}, naming the API it came for, and the Amplitude destination delivers it
 * back through that API rather than through the HTTP V2 API. Events that SDKs send to
 * {@code /2/httpapi} with the same event types have no marker and stay events: the decoders of
 * event uploads remove one a client wrote itself (see {@link #withoutClientMarker}).
 */
public enum IdentifyApi {

    /** {@code /identify}: user properties of one user or device. */
    IDENTIFY("identify", "$identify"),

    /** {@code /groupidentify}: properties of one group. */
    GROUP_IDENTIFY("groupidentify", "$groupidentify");

    /** The event field that names the API an identification came for, such as {@code identify}. */
    public static final String MARKER_FIELD = "$identify_api";

    private static final String GROUP_TYPE = "group_type";

    private static final String GROUP_VALUE = "group_value";

    private final String path;

    private final String eventType;

    IdentifyApi(String path, String eventType) {
        this.path = path;
        this.eventType = eventType;
    }

    /** Returns the API's path below the ingestion host, without a leading slash. */
    public String path() {
        return this.path;
    }

    /** Returns the type of the events that carry this API's identifications. */
    public String eventType() {
        return this.eventType;
    }

    /** Returns the API an event was received for, or empty for an ordinary event. */
    public static Optional<IdentifyApi> of(Event event) {
        if (!isIdentification(event) || !event.has(MARKER_FIELD)) {
            return Optional.empty();
        }
        Optional<String> marker = event.field(MARKER_FIELD).filter(JsonNode::isString).map(JsonNode::stringValue);
        if (marker.isEmpty()) {
            return Optional.empty();
        }
        for (IdentifyApi api : values()) {
            if (api.path.equals(marker.get()) && api.eventType.equals(event.eventType())) {
                return Optional.of(api);
            }
        }
        return Optional.empty();
    }

    /**
     * Returns {@code event}, received as an event, without a marker its client wrote. With the
     * marker, an {@code $identify} event sent to {@code /2/httpapi} would reach Amplitude through
     * the Identify API and count as no event. A marker on an event of another type routes nothing
     * and stays.
     */
    public static Event withoutClientMarker(Event event) {
        return (isIdentification(event) && event.has(MARKER_FIELD)) ? event.without(MARKER_FIELD) : event;
    }

    private static boolean isIdentification(Event event) {
        String type = event.eventType();
        return IDENTIFY.eventType.equals(type) || GROUP_IDENTIFY.eventType.equals(type);
    }

    /**
     * Turns one identification into the fields of an event. Identify keeps every field it was
     * given; group identify also names its group in {@code groups}, where destinations that read
     * events look for it.
     */
    public ObjectNode toEventFields(ObjectNode identification) {
        ObjectNode fields = identification.deepCopy();
        fields.put(EventField.EVENT_TYPE.jsonName(), this.eventType);
        fields.put(MARKER_FIELD, this.path);
        if (this == GROUP_IDENTIFY) {
            JsonNode type = identification.get(GROUP_TYPE);
            JsonNode value = identification.get(GROUP_VALUE);
            if (type != null && type.isString() && value != null && !value.isNull()) {
                fields.putObject(EventField.GROUPS.jsonName()).set(type.stringValue(), value);
            }
        }
        return fields;
    }

    /** Turns an event made by {@link #toEventFields} back into the identification the API takes. */
    public ObjectNode toIdentification(Event event) {
        ObjectNode fields = event.toJson();
        fields.remove(MARKER_FIELD);
        fields.remove(EventField.EVENT_TYPE.jsonName());
        if (this == GROUP_IDENTIFY) {
            fields.remove(EventField.GROUPS.jsonName());
        }
        return fields;
    }

    /**
     * Returns the name of the field that makes an identification unusable, or empty. Group
     * identify needs a string {@code group_type} and a {@code group_value}; the ids and types of
     * an identify are checked like those of any event, after {@link #toEventFields}.
     */
    public Optional<String> missingField(JsonNode identification) {
        if (!identification.isObject()) {
            return Optional.of("identification");
        }
        if (this == GROUP_IDENTIFY) {
            JsonNode type = identification.get(GROUP_TYPE);
            JsonNode value = identification.get(GROUP_VALUE);
            if (type == null || !type.isString() || type.stringValue().isEmpty()) {
                return Optional.of(GROUP_TYPE);
            }
            return (value == null || value.isNull()) ? Optional.of(GROUP_VALUE) : Optional.empty();
        }
        return Optional.empty();
    }

}
