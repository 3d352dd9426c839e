package io.eventrouter.sdk;

import io.eventrouter.core.event.EventField;

/**
 * Builds a {@code $groupidentify} event, which changes the properties of one group, such as a
 * company account. Start one with {@link Events#groupIdentify(String, String)} or
 * {@link EventPublisher#groupIdentify(String, String)}. Amplitude's HTTP API still requires a
 * user id or device id on it.
 *
 * @since 0.1.0
 */
public final class GroupIdentifyBuilder extends PropertyOperationsBuilder<GroupIdentifyBuilder> {

    /** The event type Amplitude reserves for group identify. */
    public static final String EVENT_TYPE = "$groupidentify";

    GroupIdentifyBuilder(String groupType, String groupName) {
        super(EVENT_TYPE, EventField.GROUP_PROPERTIES.jsonName());
        super.group(groupType, groupName);
    }

    /**
     * Not supported: a group identify names exactly one group, given when the builder is created.
     *
     * @throws UnsupportedOperationException always; start another group identify instead
     */
    @Override
    public GroupIdentifyBuilder group(String groupType, String groupName) {
        throw new UnsupportedOperationException("A group identify changes one group, given to groupIdentify(type, "
                + "name); start another group identify for '" + groupType + "'");
    }

}
