package io.eventrouter.core.amplitude;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.List;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import tools.jackson.core.JsonGenerator;

/**
 * Writes the JSON body of an HTTP V2 or batch upload: {@code api_key}, {@code events} and, when
 * the request set one, {@code options.min_id_length}.
 */
public final class UploadEncoder {

    private UploadEncoder() {
    }

    public static byte[] encode(RequestContext context, List<Event> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * events.size() + 64);
        encode(context, events, out);
        return out.toByteArray();
    }

    /**
     * Writes the body to {@code out}, such as a compressing stream, without building it in memory
     * first, and closes {@code out}, which finishes a compressing stream.
     */
    public static void encode(RequestContext context, List<Event> events, OutputStream out) {
        try (JsonGenerator generator = AmplitudeJson.MAPPER.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringProperty("api_key", context.apiKey());
            generator.writeArrayPropertyStart("events");
            // Events the dispatcher sized keep their encoded JSON, which goes out as it is.
            for (Event event : events) {
                event.writeTo(generator);
            }
            generator.writeEndArray();
            if (context.minIdLength() != null) {
                generator.writeObjectPropertyStart("options");
                generator.writeNumberProperty("min_id_length", context.minIdLength());
                generator.writeEndObject();
            }
            generator.writeEndObject();
        }
    }

}
