package io.eventrouter.sdk;

import io.eventrouter.core.event.EventField;

/**
 * Builds an {@code $identify} event, which changes the properties of the user or device it
 * names. Start one with {@link Events#identify()} or {@link EventPublisher#identify()}.
 *
 * @since 0.1.0
 */
public final class IdentifyBuilder extends PropertyOperationsBuilder<IdentifyBuilder> {

    /** The event type Amplitude reserves for identify. */
    public static final String EVENT_TYPE = "$identify";

    IdentifyBuilder() {
        super(EVENT_TYPE, EventField.USER_PROPERTIES.jsonName());
    }

    /**
     * Puts the user in a group and records the group as a user property, as Amplitude's
     * {@code setGroup} does.
     */
    @Override
    public IdentifyBuilder group(String groupType, String groupName) {
        super.group(groupType, groupName);
        return set(groupType, groupName);
    }

}
