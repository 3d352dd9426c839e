package io.eventrouter.core.destination;

import java.util.List;
import java.util.Objects;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;

/**
 * One attempt to hand a batch of events to one destination. All events share one
 * {@link RequestContext}, so a batch never mixes API keys.
 *
 * @param context the request values every event in the batch shares
 * @param events the batch, in dispatch order; never empty
 * @param attempt 1 for the first attempt at any of these events, counting up with each retry
 */
public record Delivery(RequestContext context, List<Event> events, int attempt) {

    public Delivery {
        Objects.requireNonNull(context, "context");
        events = List.copyOf(events);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("A delivery needs at least one event");
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be 1 or more, but was " + attempt);
        }
        for (Event event : events) {
            if (!event.context().equals(context)) {
                throw new IllegalArgumentException("Every event of a delivery must share its context");
            }
        }
    }

    public int size() {
        return this.events.size();
    }

}
