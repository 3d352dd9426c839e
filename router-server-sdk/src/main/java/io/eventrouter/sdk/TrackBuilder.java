package io.eventrouter.sdk;

import java.util.Map;

import io.eventrouter.core.event.EventField;
import org.jspecify.annotations.Nullable;

/**
 * Builds an ordinary event with its {@code event_properties}. Start one with
 * {@link Events#track(String)} or {@link EventPublisher#track(String)}.
 *
 * @since 0.1.0
 */
public final class TrackBuilder extends BaseEventBuilder<TrackBuilder> {

    TrackBuilder(String eventType) {
        super(eventType);
    }

    /** Sets one entry of {@code event_properties}; values as for {@link #field}. */
    public TrackBuilder eventProperty(String name, @Nullable Object value) {
        return putNested(EventField.EVENT_PROPERTIES.jsonName(), name, value);
    }

    /** Sets several entries of {@code event_properties}. */
    public TrackBuilder eventProperties(Map<String, ?> properties) {
        properties.forEach(this::eventProperty);
        return this;
    }

}
