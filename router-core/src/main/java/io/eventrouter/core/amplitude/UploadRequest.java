package io.eventrouter.core.amplitude;

import java.util.List;
import java.util.Objects;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;

/**
 * A decoded and validated HTTP V2 or batch upload.
 *
 * @param context the request values every event carries
 * @param events the events in request order
 */
public record UploadRequest(RequestContext context, List<Event> events) {

    public UploadRequest {
        Objects.requireNonNull(context, "context");
        events = List.copyOf(events);
    }

}
