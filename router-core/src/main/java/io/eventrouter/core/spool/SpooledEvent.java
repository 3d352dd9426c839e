package io.eventrouter.core.spool;

import java.util.Objects;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;

/**
 * An accepted event at its place in the spool.
 *
 * @param offset the event's position, unique and increasing in acceptance order
 * @param source the source the event was accepted from
 * @param event the event
 */
public record SpooledEvent(long offset, SourceId source, Event event) {

    public SpooledEvent {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, but was " + offset);
        }
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(event, "event");
    }

}
