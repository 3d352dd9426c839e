package io.eventrouter.core.deadletter;

import java.time.Instant;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventJson;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.SourceId;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a dead letter as one JSON object and reads it back. The object keeps the API key
 * because a replay needs it, so any view of a letter for people must mask the key.
 */
final class DeadLetterCodec {

    private static final JsonMapper MAPPER = EventJson.MAPPER;

    private DeadLetterCodec() {
    }

    static byte[] encode(DeadLetter letter) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("destination", letter.destination().value());
        json.put("source", letter.source().value());
        json.put("reason", letter.reason());
        json.put("detail", letter.detail());
        json.put("attempts", letter.attempts());
        json.put("first_attempt", letter.firstAttempt().toEpochMilli());
        json.put("last_attempt", letter.lastAttempt().toEpochMilli());
        RequestContext context = letter.event().context();
        json.put("api_key", context.apiKey());
        if (context.minIdLength() != null) {
            json.put("min_id_length", context.minIdLength());
        }
        json.set("event", letter.event().toJson());
        return MAPPER.writeValueAsBytes(json);
    }

    static DeadLetter decode(byte[] bytes) {
        JsonNode json = MAPPER.readTree(bytes);
        JsonNode minIdLength = json.get("min_id_length");
        RequestContext context = new RequestContext(json.get("api_key").stringValue(),
                (minIdLength != null) ? minIdLength.intValue() : null);
        Event event = Event.ofOwned(context, (ObjectNode) json.get("event"));
        return new DeadLetter(DestinationId.of(json.get("destination").stringValue()),
                SourceId.of(json.get("source").stringValue()), event, json.get("reason").stringValue(),
                json.get("detail").stringValue(), json.get("attempts").intValue(),
                Instant.ofEpochMilli(json.get("first_attempt").longValue()),
                Instant.ofEpochMilli(json.get("last_attempt").longValue()));
    }

}
