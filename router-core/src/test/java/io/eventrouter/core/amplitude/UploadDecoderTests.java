package io.eventrouter.core.amplitude;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.event.EventJson;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class UploadDecoderTests {

    private final UploadDecoder decoder = new UploadDecoder();

    @Test
    void decodesEventsWithRequestContext() {
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"options\":{\"min_id_length\":3},"
                + "\"events\":[{\"event_type\":\"a\",\"user_id\":\"abc\"},{\"event_type\":\"b\",\"device_id\":\"dev\"}]}");

        assertThat(upload.events()).hasSize(2);
        assertThat(upload.context().apiKey()).isEqualTo("key-12345");
        assertThat(upload.context().minIdLength()).isEqualTo(3);
        assertThat(upload.events().get(1).context()).isEqualTo(upload.context());
    }

    @Test
    void acceptsExplicitNullsFromSdks() {
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"a\","
                + "\"user_id\":null,\"device_id\":\"device-1\",\"time\":null,\"event_properties\":null}]}");

        assertThat(upload.events()).hasSize(1);
    }

    @Test
    void rejectsMalformedJson() {
        AmplitudeResponse response = rejected("{\"api_key\":");

        assertThat(response.code()).isEqualTo(400);
        assertThat(response.error()).hasValue("Invalid JSON request body");
    }

    @Test
    void rejectsMissingApiKey() {
        AmplitudeResponse response = rejected("{\"events\":[{\"event_type\":\"a\",\"user_id\":\"user-1\"}]}");

        assertThat(response.missingField()).hasValue("api_key");
    }

    @Test
    void treatsAsBlankWhatJavaScriptTrims() {
        for (String blank : List.of("", " \t\n\r", "\u000B\f", "\u00A0", "\u2007\u202F", "\u3000", "\u2028\u2029",
                "\uFEFF")) {
            assertThat(UploadDecoder.isBlankEventType(blank)).as("%s", blank.codePoints().boxed().toList()).isTrue();
        }
        for (String type : List.of("a", " a ", "\u001C", "\u200B", ".")) {
            assertThat(UploadDecoder.isBlankEventType(type)).as("%s", type.codePoints().boxed().toList()).isFalse();
        }
    }

    @Test
    void dropsIdentifyApiMarkerClientWrote() throws IOException {
        // The second event goes through a tree, because it writes event_type twice.
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":["
                + "{\"event_type\":\"$identify\",\"user_id\":\"user-1\",\"$identify_api\":\"identify\"},"
                + "{\"event_type\":\"x\",\"event_type\":\"$groupidentify\",\"user_id\":\"user-1\","
                + "\"$identify_api\":\"groupidentify\"},"
                + "{\"event_type\":\"click\",\"user_id\":\"user-1\",\"$identify_api\":\"identify\"}]}");

        assertThat(upload.events()).allSatisfy((event) -> assertThat(IdentifyApi.of(event)).isEmpty());
        assertThat(written(upload.events().get(0)).has(IdentifyApi.MARKER_FIELD)).isFalse();
        assertThat(written(upload.events().get(1)).has(IdentifyApi.MARKER_FIELD)).isFalse();
        assertThat(written(upload.events().get(2)).get(IdentifyApi.MARKER_FIELD).stringValue()).isEqualTo("identify");
    }

    @Test
    void rejectsBlankEventTypeAsMissing() {
        AmplitudeResponse response = rejected("{\"api_key\":\"key-12345\",\"events\":["
                + "{\"event_type\":\"ok\",\"user_id\":\"user-1\"},"
                + "{\"event_type\":\"\",\"user_id\":\"user-2\"},"
                + "{\"event_type\":\" \\t\\n\",\"user_id\":\"user-3\"}]}");

        assertThat(response.code()).isEqualTo(400);
        assertThat(response.body().at("/events_with_missing_fields/event_type").toString()).isEqualTo("[1,2]");
        assertThat(response.invalidEventIndexes()).containsExactly(1, 2);
    }

    @Test
    void listsEveryInvalidEventByRequestPosition() {
        AmplitudeResponse response = rejected("{\"api_key\":\"key-12345\",\"events\":["
                + "{\"event_type\":\"ok\",\"user_id\":\"user-1\"},"
                + "{\"user_id\":\"user-2\"},"
                + "{\"event_type\":\"no ids\"},"
                + "{\"event_type\":\"short\",\"device_id\":\"abc\"},"
                + "{\"event_type\":\"bad time\",\"user_id\":\"user-3\",\"time\":\"2024-01-01\"},"
                + "{\"event_type\":\"placeholder\",\"user_id\":\"Undefined\"}]}");

        assertThat(response.code()).isEqualTo(400);
        assertThat(response.body().at("/events_with_missing_fields/event_type").toString()).isEqualTo("[1]");
        assertThat(response.body().at("/events_with_missing_fields/user_id").toString()).isEqualTo("[2]");
        assertThat(response.body().at("/events_with_invalid_id_lengths/device_id").toString()).isEqualTo("[3]");
        assertThat(response.body().at("/events_with_invalid_fields/time").toString()).isEqualTo("[4]");
        assertThat(response.body().at("/events_with_invalid_fields/user_id").toString()).isEqualTo("[5]");
        assertThat(response.invalidEventIndexes()).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void allowsGroupIdentifyWithoutIds() {
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"$groupidentify\","
                + "\"groups\":{\"org\":\"acme\"},\"group_properties\":{\"$set\":{\"plan\":\"pro\"}}}]}");

        assertThat(upload.events()).hasSize(1);
    }

    @Test
    void rejectsTooManyEventsAsPayloadTooLarge() {
        AmplitudeResponse response = catchThrowableOfType(UploadRejectedException.class,
                () -> new UploadDecoder(2).decode(bytes("{\"api_key\":\"key-12345\",\"events\":["
                        + "{\"event_type\":\"a\",\"user_id\":\"user-1\"},{\"event_type\":\"a\",\"user_id\":\"user-1\"},"
                        + "{\"event_type\":\"a\",\"user_id\":\"user-1\"}]}"))).response();

        assertThat(response.code()).isEqualTo(413);
        assertThat(response.body().toString()).isEqualTo("{\"code\":413,\"error\":\"Payload too large\"}");
    }

    @Test
    void keepsDecimalNumbersExact() throws IOException {
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"a\","
                + "\"user_id\":\"user-1\",\"price\":0.1000000000000000055511151231257827,\"huge\":1e400,"
                + "\"count\":123456789012345678901234567890,\"time\":1.7333568e12}]}");

        JsonNode written = written(upload.events().get(0));

        assertThat(written.get("price").decimalValue()).isEqualTo(new BigDecimal("0.1000000000000000055511151231257827"));
        assertThat(written.get("huge").decimalValue()).isEqualByComparingTo(new BigDecimal("1e400"));
        assertThat(written.get("count").bigIntegerValue()).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(written.get("time").isIntegralNumber()).isTrue();
        assertThat(written.get("time").longValue()).isEqualTo(1733356800000L);
    }

    @Test
    void rewritesOnlyWholeQuantities() throws IOException {
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":["
                + "{\"event_type\":\"a\",\"user_id\":\"user-1\",\"quantity\":2.0},"
                + "{\"event_type\":\"a\",\"user_id\":\"user-1\",\"quantity\":2.5},"
                + "{\"event_type\":\"a\",\"user_id\":\"user-1\",\"quantity\":\"abc\"}]}");

        assertThat(written(upload.events().get(0)).get("quantity").isIntegralNumber()).isTrue();
        assertThat(written(upload.events().get(1)).get("quantity").decimalValue()).isEqualTo(new BigDecimal("2.5"));
        assertThat(written(upload.events().get(2)).get("quantity").stringValue()).isEqualTo("abc");
    }

    @Test
    void rejectsIntegerBeyondLongRange() {
        AmplitudeResponse response = rejected("{\"api_key\":\"key-12345\",\"events\":["
                + "{\"event_type\":\"a\",\"user_id\":\"user-1\",\"time\":1e400},"
                + "{\"event_type\":\"a\",\"user_id\":\"user-1\",\"time\":9223372036854775808},"
                + "{\"event_type\":\"a\",\"user_id\":\"user-1\",\"session_id\":123456789012345678901234567890}]}");

        assertThat(response.body().at("/events_with_invalid_fields/time").toString()).isEqualTo("[0,1]");
        assertThat(response.body().at("/events_with_invalid_fields/session_id").toString()).isEqualTo("[2]");
    }

    @Test
    void keepsEventBytesAsSent() throws IOException {
        String first = "{ \"event_type\" : \"caf\u00e9 \\\"quoted\\\"\" ,\n\t\"user_id\":\"user-1\",\"props\":{\"a\":[1, 2.50]} }";
        String second = "{\"device_id\":\"device-1\",\"event_type\":\"b\",\"time\":1700000000000}";
        UploadRequest upload = decode("{\"events\" : [ " + first + " ,\r\n" + second + "],\"api_key\":\"key-12345\"}");

        assertThat(spooled(upload.events().get(0))).isEqualTo(first.replace('\n', ' '));
        assertThat(spooled(upload.events().get(1))).isEqualTo(second);
        assertThat(upload.events().get(0).eventType()).isEqualTo("caf\u00e9 \"quoted\"");
        assertThat(upload.events().get(1).time()).hasValue(1700000000000L);
    }

    @Test
    void writesEachEventOnOneLine() throws IOException {
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"a\",\r\n"
                + "  \"user_id\":\"user-1\",\n  \"event_properties\":{\n    \"text\":\"two\\nlines\"\n  }\n}]}");

        String spooled = spooled(upload.events().get(0));

        assertThat(spooled).doesNotContain("\n").doesNotContain("\r");
        assertThat(written(upload.events().get(0)).at("/event_properties/text").stringValue()).isEqualTo("two\nlines");
    }

    @Test
    void rejectsInvalidUtf8() {
        // Overlong forms of '/' and NUL, an encoded surrogate, a code point above U+10FFFF, an
        // invalid lead byte and a stray byte.
        for (String invalid : List.of("c0af", "e080af", "c080", "eda080", "f4908080", "f5808080", "ff")) {
            byte[] body = withValue(HexFormat.of().parseHex(invalid));

            assertThat(catchThrowableOfType(UploadRejectedException.class, () -> this.decoder.decode(body))
                    .response().error()).as(invalid).hasValue("Invalid JSON request body");
        }
    }

    @Test
    void keepsValidMultibyteText() throws IOException {
        UploadRequest upload = this.decoder.decode(withValue(HexFormat.of().parseHex("c3a9e282acf09f9880")));

        assertThat(written(upload.events().get(0)).at("/event_properties/p").stringValue()).isEqualTo("é€😀");
    }

    private static byte[] withValue(byte[] value) {
        byte[] prefix = bytes("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"a\",\"user_id\":\"user-1\","
                + "\"event_properties\":{\"p\":\"");
        byte[] suffix = bytes("\"}}]}");
        byte[] body = new byte[prefix.length + value.length + suffix.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        System.arraycopy(value, 0, body, prefix.length, value.length);
        System.arraycopy(suffix, 0, body, prefix.length + value.length, suffix.length);
        return body;
    }

    @Test
    void splicesLocatedFieldsLikeATree() throws IOException {
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":[{\"ip\": \"$remote\" , "
                + "\"event_type\":\"a\",\"insert_id\":\"i-1\",\"user_id\":\"user-1\",\"n\":1 }]}");
        Event event = upload.events().get(0);

        Event changed = event.with(EventField.IP, "203.0.113.9").with(EventField.TIME, 42L)
                .with(EventField.INSERT_ID, "i-\"2\"").with(EventField.TIME, -7L);

        assertThat(spooled(changed)).isEqualTo("{\"ip\": \"203.0.113.9\" , \"event_type\":\"a\","
                + "\"insert_id\":\"i-\\\"2\\\"\",\"user_id\":\"user-1\",\"n\":1 ,\"time\":-7}");
        ObjectNode expected = event.toJson();
        expected.put("ip", "203.0.113.9");
        expected.put("insert_id", "i-\"2\"");
        expected.put("time", -7L);
        assertThat(written(changed).toString()).isEqualTo(expected.toString());
        assertThat(changed.ip()).hasValue("203.0.113.9");
        assertThat(changed.insertId()).hasValue("i-\"2\"");
        assertThat(changed.time()).hasValue(-7L);
        assertThat(changed.userId()).hasValue("user-1");
        assertThat(spooled(event)).contains("$remote");
    }

    @Test
    void sharedBodyEventsKeepOwnBytes() throws IOException {
        String first = "{\"event_type\":\"a\",\"user_id\":\"user-1\",\"time\":1}";
        String second = "{\"event_type\":\"b\",\"user_id\":\"user-2\",\"extra\":\"time\"}";
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":[" + first + "," + second + "]}");
        Event firstEvent = upload.events().get(0);
        Event secondEvent = upload.events().get(1);

        Event changed = firstEvent.with(EventField.TIME, 2L).with(EventField.IP, "203.0.113.9");

        assertThat(spooled(changed)).isEqualTo("{\"event_type\":\"a\",\"user_id\":\"user-1\",\"time\":2,"
                + "\"ip\":\"203.0.113.9\"}");
        assertThat(spooled(firstEvent)).isEqualTo(first);
        assertThat(spooled(secondEvent)).isEqualTo(second);
        assertThat(firstEvent.encodedSize()).isEqualTo(first.length());
        assertThat(firstEvent.has("extra")).isFalse();
        assertThat(secondEvent.has("extra")).isTrue();
        assertThat(secondEvent.field("extra").orElseThrow().stringValue()).isEqualTo("time");
        byte[] encoded = UploadEncoder.encode(upload.context(), List.of(changed, secondEvent));
        assertThat(EventJson.MAPPER.readTree(encoded).get("events").toString())
                .isEqualTo("[" + spooled(changed) + "," + second + "]");
    }

    @Test
    void readsEventsWithRepeatedFieldsAsATreeWould() {
        UploadRequest upload = decode("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"a\","
                + "\"user_id\":\"first-user\",\"user_id\":\"second-user\"}]}");

        assertThat(upload.events().get(0).userId()).hasValue("second-user");
        assertThat(upload.events().get(0).with(EventField.USER_ID, "third-user").toJson().toString())
                .isEqualTo("{\"event_type\":\"a\",\"user_id\":\"third-user\"}");
    }

    @Test
    void decodesUtf16AndByteOrderMark() {
        String json = "{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"\u00e9t\u00e9\",\"user_id\":\"user-1\"}]}";
        byte[] bom = { (byte) 0xEF, (byte) 0xBB, (byte) 0xBF };
        byte[] utf8 = bytes(json);
        byte[] withBom = new byte[bom.length + utf8.length];
        System.arraycopy(bom, 0, withBom, 0, bom.length);
        System.arraycopy(utf8, 0, withBom, bom.length, utf8.length);

        for (byte[] body : List.of(json.getBytes(StandardCharsets.UTF_16BE), json.getBytes(StandardCharsets.UTF_16LE),
                withBom)) {
            Event event = this.decoder.decode(body).events().get(0);
            assertThat(event.eventType()).isEqualTo("\u00e9t\u00e9");
            assertThat(event.with(EventField.IP, "203.0.113.9").toJson().get("ip").stringValue()).isEqualTo("203.0.113.9");
        }
    }

    @Test
    void decodesUtf32AndUtf16WithByteOrderMarks() {
        String json = "{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"\ud83d\ude00\",\"user_id\":\"user-1\"}]}";
        Charset utf32be = Charset.forName("UTF-32BE");
        Charset utf32le = Charset.forName("UTF-32LE");

        for (byte[] body : List.of(json.getBytes(utf32be), json.getBytes(utf32le),
                concat(new byte[] { 0, 0, (byte) 0xFE, (byte) 0xFF }, json.getBytes(utf32be)),
                concat(new byte[] { (byte) 0xFF, (byte) 0xFE }, json.getBytes(StandardCharsets.UTF_16LE)),
                json.getBytes(StandardCharsets.UTF_16))) {
            UploadRequest request = this.decoder.decode(body);
            assertThat(request.events()).singleElement().extracting(Event::eventType).isEqualTo("\ud83d\ude00");
        }
    }

    @Test
    void rejectsInvalidUtf16AndUtf32() {
        String json = "{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"a\",\"user_id\":\"user-\ud800x\"}]}";
        // A lone surrogate cannot be encoded, so it is written as UTF-16 code units by hand.
        byte[] utf16 = new byte[json.length() * 2];
        for (int i = 0; i < json.length(); i++) {
            utf16[2 * i] = (byte) (json.charAt(i) >> 8);
            utf16[2 * i + 1] = (byte) json.charAt(i);
        }
        byte[] utf32 = concat(bytes("\u0000\u0000\u0000{"), new byte[] { 0, 0x11, 0, 0 });

        // A surrogate code point, U+D800, in UTF-32LE after the request's opening brace.
        byte[] surrogate = concat("{".getBytes(Charset.forName("UTF-32LE")), new byte[] { 0, (byte) 0xD8, 0, 0 });

        assertThat(rejectedBody(utf16).error()).hasValue("Invalid JSON request body");
        assertThat(rejectedBody(utf32).error()).hasValue("Invalid JSON request body");
        assertThat(rejectedBody(surrogate).error()).hasValue("Invalid JSON request body");
    }

    @Test
    void readsMinIdLengthWrittenAsAWholeDecimal() {
        assertThat(decode("{\"api_key\":\"key-12345\",\"options\":{\"min_id_length\":2.0},"
                + "\"events\":[{\"event_type\":\"a\",\"user_id\":\"ab\"}]}").context().minIdLength()).isEqualTo(2);
        assertThat(rejected("{\"api_key\":\"key-12345\",\"options\":{\"min_id_length\":2.5},"
                + "\"events\":[{\"event_type\":\"a\",\"user_id\":\"ab\"}]}").error())
                .hasValue("Invalid options: min_id_length must be a non-negative integer");
    }

    @Test
    void rejectsTextAfterTheRequestObject() {
        String upload = "{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"a\",\"user_id\":\"user-1\"}]}";

        assertThat(decode(upload + " \n").events()).hasSize(1);
        assertThat(rejected(upload + "{}").error()).hasValue("Invalid JSON request body");
        assertThat(rejected("[" + upload + "]").error()).hasValue("Invalid JSON request body");
    }

    private static String spooled(Event event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        event.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode written(Event event) throws IOException {
        ByteArrayOutputStream spooled = new ByteArrayOutputStream();
        event.writeTo(spooled);
        return EventJson.MAPPER.readTree(spooled.toByteArray());
    }

    private UploadRequest decode(String json) {
        return this.decoder.decode(bytes(json));
    }

    private AmplitudeResponse rejected(String json) {
        return rejectedBody(bytes(json));
    }

    private AmplitudeResponse rejectedBody(byte[] body) {
        return catchThrowableOfType(UploadRejectedException.class, () -> this.decoder.decode(body)).response();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

}
