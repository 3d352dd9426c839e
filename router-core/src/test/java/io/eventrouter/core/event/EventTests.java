package io.eventrouter.core.event;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class EventTests {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private static final RequestContext CONTEXT = RequestContext.of("api-key-1234");

    @Test
    void tellsMissingMemberFromJson() {
        Event marked = Event.ofEncoded(CONTEXT, ("{\"event_type\":\"checkout\",\"event_properties\":"
                + "{\"[Router] stitched fields\":[\"device_id\"]}}").getBytes(StandardCharsets.UTF_8), null, null);
        Event plain = Event.ofEncoded(CONTEXT, "{\"event_type\":\"checkout\",\"event_properties\":{\"plan\":\"pro\"}}"
                .getBytes(StandardCharsets.UTF_8), null, null);

        assertThat(marked.mayHaveMember("[Router] stitched fields")).isTrue();
        assertThat(plain.mayHaveMember("[Router] stitched fields")).isFalse();
        assertThat(plain.mayHaveMember("plan")).isTrue();
    }

    @Test
    void tellsMissingMemberFromParsedFields() {
        Event built = Event.builder("checkout").apiKey("key-a").eventProperty("plan", "pro").build();

        assertThat(built.mayHaveMember("[Router] stitched fields")).isFalse();
        assertThat(built.mayHaveMember("plan")).isTrue();
    }

    @Test
    void keepsFieldsItDoesNotKnow() {
        ObjectNode fields = (ObjectNode) MAPPER.readTree(
                "{\"event_type\":\"play\",\"future_field\":{\"a\":[1,2]},\"device_id\":\"device-1\"}");

        Event event = Event.of(CONTEXT, fields);

        assertThat(event.fieldNames()).containsExactlyInAnyOrder("event_type", "future_field", "device_id");
        assertThat(event.field("future_field")).hasValueSatisfying((value) -> assertThat(value.toString())
                .isEqualTo("{\"a\":[1,2]}"));
    }

    @Test
    void isNotChangedByItsSourceTree() {
        ObjectNode fields = (ObjectNode) MAPPER.readTree("{\"event_type\":\"play\",\"user_id\":\"user-1\"}");
        Event event = Event.of(CONTEXT, fields);

        fields.put("user_id", "someone-else");
        event.toJson().put("user_id", "another");

        assertThat(event.userId()).hasValue("user-1");
    }

    @Test
    void withReturnsChangedCopy() {
        Event event = Event.builder("play").apiKey("api-key-1234").deviceId("device-1").build();

        Event changed = event.with(EventField.IP, "192.0.2.1");

        assertThat(changed.ip()).hasValue("192.0.2.1");
        assertThat(event.ip()).isEmpty();
    }

    @Test
    void copyKeepsNestedValuesOfOriginal() {
        ObjectNode fields = (ObjectNode) MAPPER.readTree(
                "{\"event_type\":\"play\",\"event_properties\":{\"a\":1},\"ip\":\"$remote\"}");
        Event event = Event.of(CONTEXT, fields);

        Event changed = event.with(EventField.IP, "192.0.2.1");
        changed.toJson().withObject("/event_properties").put("a", 2);

        assertThat(changed.field("event_properties")).hasValueSatisfying((value) -> assertThat(value.toString())
                .isEqualTo("{\"a\":1}"));
        assertThat(event.ip()).hasValue("$remote");
    }

    @Test
    void writesJsonOfItsFields() throws IOException {
        Event event = Event.builder("play").apiKey("api-key-1234").deviceId("device-1").eventProperty("é", "ü")
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        event.writeTo(out);

        assertThat(MAPPER.readTree(out.toByteArray())).isEqualTo(event.toJson());
        assertThat(event.encodedSize()).isEqualTo(out.size());
    }

    @Test
    void encodedEventWritesItsBytesUnchanged() throws IOException {
        String json = "{ \"event_type\" : \"play\", \"device_id\" : \"device-1\", \"time\" : 5 }";
        Event event = Event.ofEncoded(CONTEXT, json.getBytes(StandardCharsets.UTF_8), "device-1", null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        event.writeTo(out);

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(event.encodedSize()).isEqualTo(json.length());
        assertThat(event.deviceId()).contains("device-1");
        assertThat(event.userId()).isEmpty();
    }

    @Test
    void encodedEventParsesOnFieldAccess() {
        String json = "{\"event_type\":\"play\",\"user_id\":\"user-1\",\"time\":5}";
        Event event = Event.ofEncoded(CONTEXT, json.getBytes(StandardCharsets.UTF_8), null, "user-1");

        Event changed = event.with(EventField.INSERT_ID, "insert-1");

        assertThat(event.eventType()).isEqualTo("play");
        assertThat(event.time()).hasValue(5);
        assertThat(changed.insertId()).contains("insert-1");
        assertThat(changed.userId()).contains("user-1");
        assertThat(event.insertId()).isEmpty();
        assertThat(event.withContext(RequestContext.of("api-key-5678")).userId()).contains("user-1");
    }

    @Test
    void encodedEventFindsTopLevelFieldsOnly() {
        Event event = encoded("{\"event_type\":\"play\",\"user_properties\":{\"plan\":\"ip\"},\"ip\":\"1.2.3.4\"}");
        Event nested = encoded("{\"event_type\":\"play\",\"user_properties\":{\"ip\":\"x\"}}");
        Event escaped = encoded("{\"event_type\":\"play\",\"\\u0069p\":\"1.2.3.4\"}");

        assertThat(event.has("ip")).isTrue();
        assertThat(event.has("plan")).isFalse();
        assertThat(event.has("time")).isFalse();
        assertThat(nested.has("ip")).isFalse();
        assertThat(escaped.has("ip")).isTrue();
    }

    @Test
    void encodedEventFindsAFieldAtEveryAlignment() {
        for (int padding = 0; padding < 20; padding++) {
            String filler = "x".repeat(padding);
            Event marked = encoded("{\"event_type\":\"" + filler + "\",\"$identify_api\":\"/identify\"}");
            Event mentioned = encoded("{\"event_type\":\"" + filler + "$identify_api\",\"$set\":\"a\"}");
            Event escaped = encoded("{\"event_type\":\"" + filler + "\",\"\\u0024identify_api\":\"/identify\"}");

            assertThat(marked.has("$identify_api")).as("padding %d", padding).isTrue();
            assertThat(mentioned.has("$identify_api")).as("padding %d", padding).isFalse();
            assertThat(escaped.has("$identify_api")).as("padding %d", padding).isTrue();
        }
    }

    @Test
    void treatsNullEmptyAndMinusOneAsAbsent() {
        ObjectNode fields = (ObjectNode) MAPPER.readTree(
                "{\"event_type\":\"play\",\"user_id\":null,\"device_id\":\"\",\"session_id\":-1}");

        Event event = Event.of(CONTEXT, fields);

        assertThat(event.userId()).isEmpty();
        assertThat(event.deviceId()).isEmpty();
        assertThat(event.sessionId()).isEmpty();
    }

    @Test
    void requiresStringEventType() {
        ObjectNode fields = (ObjectNode) MAPPER.readTree("{\"event_type\":42}");

        assertThatIllegalArgumentException().isThrownBy(() -> Event.of(CONTEXT, fields))
                .withMessageContaining("event_type");
    }

    @Test
    void builderConvertsPropertyValues() {
        Event event = Event.builder("checkout")
                .apiKey("api-key-1234")
                .userId("user-1")
                .eventProperty("items", List.of("a", "b"))
                .eventProperty("total", 9.5)
                .eventProperty("meta", Map.of("coupon", true))
                .build();

        assertThat(event.field("event_properties")).hasValueSatisfying((value) -> assertThat(value.toString())
                .contains("\"items\":[\"a\",\"b\"]", "\"total\":9.5", "\"meta\":{\"coupon\":true}"));
    }

    @Test
    void builderRequiresApiKey() {
        assertThatIllegalStateException().isThrownBy(() -> Event.builder("play").userId("user-1").build())
                .withMessageContaining("API key");
    }

    @Test
    void toStringLeavesOutProperties() {
        Event event = Event.builder("play").apiKey("api-key-1234").userId("secret-user").insertId("insert-1").build();

        assertThat(event.toString()).contains("play", "insert-1").doesNotContain("secret-user");
        assertThat(event.context().toString()).doesNotContain("api-key-1234");
    }

    @Test
    void readsWholeDecimalsAsIntegers() {
        Event event = encoded("{\"event_type\":\"play\",\"time\":1.7333568e12,\"session_id\":1.5,\"event_id\":1e400}");

        assertThat(event.integer(EventField.TIME)).hasValue(1733356800000L);
        assertThat(event.integer(EventField.SESSION_ID)).isEmpty();
        assertThat(event.integer(EventField.EVENT_ID)).isEmpty();
    }

    private static Event encoded(String json) {
        return Event.ofEncoded(CONTEXT, json.getBytes(StandardCharsets.UTF_8), null, null);
    }

}
