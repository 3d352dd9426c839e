package io.eventrouter.core.amplitude;

import java.util.List;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class UploadEncoderTests {

    @Test
    void writesEventsBetweenKeyAndOptions() {
        RequestContext context = new RequestContext("api-key-1234", 3);
        List<Event> events = List.of(Event.builder("first").context(context).deviceId("device-1").build(),
                Event.builder("second").context(context).deviceId("device-2").eventProperty("text", "é").build());

        JsonNode body = AmplitudeJson.MAPPER.readTree(UploadEncoder.encode(context, events));

        assertThat(body.get("api_key").stringValue()).isEqualTo("api-key-1234");
        assertThat(body.get("events")).containsExactly(events.get(0).toJson(), events.get(1).toJson());
        assertThat(body.get("options").get("min_id_length").intValue()).isEqualTo(3);
    }

    @Test
    void writesEncodedAndTreeEventsAlike() {
        RequestContext context = RequestContext.of("api-key-1234");
        List<Event> events = List.of(Event.builder("first").context(context).deviceId("device-1").build(),
                Event.builder("second").context(context).deviceId("device-2").eventProperty("text", "é").build(),
                Event.builder("third").context(context).deviceId("device-3").build());
        // Sizing encodes an event once and keeps its bytes, as the dispatcher does.
        events.get(1).encodedSize();

        JsonNode body = AmplitudeJson.MAPPER.readTree(UploadEncoder.encode(context, events));

        assertThat(body.get("events")).containsExactly(events.get(0).toJson(), events.get(1).toJson(),
                events.get(2).toJson());
    }

    @Test
    void writesEmptyEventList() {
        JsonNode body = AmplitudeJson.MAPPER.readTree(UploadEncoder.encode(RequestContext.of("api-key-1234"),
                List.of()));

        assertThat(body.get("events")).isEmpty();
        assertThat(body.has("options")).isFalse();
    }

}
