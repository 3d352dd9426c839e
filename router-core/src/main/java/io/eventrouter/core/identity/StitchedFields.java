package io.eventrouter.core.identity;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The mark that shows a destination which of an event's values the router filled in.
 *
 * <p>The mark is an entry of {@code event_properties}, because Amplitude drops top-level fields
 * it does not know and keeps every event property, so the mark can be charted and filtered on
 * there. Its name starts with {@code [Router]} in the way Amplitude's own properties start with
 * {@code [Amplitude]}, which keeps it apart from the application's properties. The value is the
 * array of field names, such as {@code ["device_id", "session_id"]}.
 */
public final class StitchedFields {

    /** The name of the event property that lists the stitched fields. */
    public static final String PROPERTY = "[Router] stitched fields";

    /**
     * The name of the event property that keeps the device id the client sent, when the router
     * replaced it with the device id of the browser's first-party cookie.
     */
    public static final String ORIGINAL_DEVICE_ID_PROPERTY = "[Router] original device_id";

    private StitchedFields() {
    }

    /**
     * Returns the fields of {@code event} that a router filled in; empty when the event carries
     * no mark.
     */
    public static Set<String> of(Event event) {
        return event.field(EventField.EVENT_PROPERTIES.jsonName())
                .map(StitchedFields::listed)
                .orElseGet(LinkedHashSet::new);
    }

    /** Returns the field names the mark in {@code properties} lists; empty when there is no mark. */
    private static Set<String> listed(JsonNode properties) {
        Set<String> names = new LinkedHashSet<>();
        JsonNode mark = properties.get(PROPERTY);
        if (mark != null && mark.isArray()) {
            mark.forEach((name) -> {
                if (name.isString()) {
                    names.add(name.stringValue());
                }
            });
        }
        return names;
    }

    /**
     * Returns whether a router filled in the event's device id where it had none. A sent device
     * id that the first-party cookie replaced is listed too, but keeps the sent one under
     * {@link #ORIGINAL_DEVICE_ID_PROPERTY}, so it does not count: the event came with its own.
     */
    public static boolean isDeviceIdFilled(Event event) {
        if (!event.mayHaveMember(PROPERTY)) {
            return false;
        }
        Optional<JsonNode> properties = event.field(EventField.EVENT_PROPERTIES.jsonName());
        return properties.isPresent() && !properties.get().has(ORIGINAL_DEVICE_ID_PROPERTY)
                && listed(properties.get()).contains(EventField.DEVICE_ID.jsonName());
    }

    /**
     * Returns a copy of {@code event} whose mark also lists {@code filled}, for code outside this
     * package that fills values in, such as the server SDK filling ids from a browser request.
     */
    public static Event mark(Event event, List<EventField> filled) {
        if (filled.isEmpty()) {
            return event;
        }
        return Event.ofOwned(event.context(), mark(event.toJson(), filled));
    }

    /**
     * Returns {@code fields} with the mark listing {@code stitched} added to its event properties.
     * Names an earlier router already listed stay, so a chain of routers keeps every mark.
     */
    static ObjectNode mark(ObjectNode fields, List<EventField> stitched) {
        return mark(fields, stitched, null);
    }

    /**
     * Returns {@code fields} marked like {@link #mark(ObjectNode, List)}, and with the replaced
     * device id kept under {@link #ORIGINAL_DEVICE_ID_PROPERTY} when it is not null.
     */
    static ObjectNode mark(ObjectNode fields, List<EventField> stitched, @Nullable String originalDeviceId) {
        JsonNode existing = fields.get(EventField.EVENT_PROPERTIES.jsonName());
        if (existing != null && !existing.isNull() && !existing.isObject()) {
            // Replacing a malformed value would overwrite what the client sent.
            return fields;
        }
        ObjectNode properties = (existing instanceof ObjectNode object) ? object
                : JsonNodeFactory.instance.objectNode();
        fields.set(EventField.EVENT_PROPERTIES.jsonName(), properties);
        ArrayNode names = (properties.get(PROPERTY) instanceof ArrayNode array) ? array
                : JsonNodeFactory.instance.arrayNode();
        Set<String> present = new LinkedHashSet<>();
        names.forEach((name) -> present.add(name.asString()));
        stitched.stream()
                .map(EventField::jsonName)
                .filter(present::add)
                .forEach(names::add);
        properties.set(PROPERTY, names);
        if (originalDeviceId != null) {
            properties.put(ORIGINAL_DEVICE_ID_PROPERTY, originalDeviceId);
        }
        return fields;
    }

}
