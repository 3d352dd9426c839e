package io.eventrouter.core.spool;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SpoolRecordsTests {

    private static final SourceId SOURCE = SourceId.of("client-bridge");

    private static final RequestContext CONTEXT = new RequestContext("key-1234567890", 3);

    @Test
    void roundTripKeepsIdsAndJson() {
        Event event = Event.builder("played").context(CONTEXT).deviceId("device-1").userId("user-1")
                .eventProperty("level", 3).build();
        byte[] value = SpoolRecords.seal(7, SpoolRecords.encode(SOURCE, event));

        SpooledEvent read = SpoolRecords.decode(7, value, null);

        assertThat(SpoolRecords.isIntact(7, value)).isTrue();
        assertThat(read.source()).isEqualTo(SOURCE);
        assertThat(read.event().context()).isEqualTo(CONTEXT);
        assertThat(read.event().deviceId()).contains("device-1");
        assertThat(read.event().userId()).contains("user-1");
        assertThat(json(read.event())).isEqualTo(json(event));
        assertThat(read.event().encodedSize()).isEqualTo(event.encodedSize());
        assertThat(read.event().string(EventField.EVENT_TYPE)).contains("played");
    }

    @Test
    void roundTripWithoutIds() {
        Event event = Event.builder("played").context(CONTEXT).build();

        SpooledEvent read = SpoolRecords.decode(1, SpoolRecords.seal(1, SpoolRecords.encode(SOURCE, event)),
                null);

        assertThat(read.event().deviceId()).isEmpty();
        assertThat(read.event().userId()).isEmpty();
        assertThat(read.event()).isEqualTo(event);
    }

    @Test
    void roundTripKeepsLongIds() {
        String deviceId = "d".repeat(70_000);
        Event event = Event.builder("played").context(CONTEXT).deviceId(deviceId).build();

        SpooledEvent read = SpoolRecords.decode(3, SpoolRecords.seal(3, SpoolRecords.encode(SOURCE, event)),
                null);

        assertThat(read.event().deviceId()).contains(deviceId);
        assertThat(json(read.event())).isEqualTo(json(event));
    }

    @Test
    void roundTripKeepsTextOutsideAscii() {
        RequestContext context = new RequestContext("clé-1234567890", null);
        Event event = Event.builder("joué").context(context).deviceId("appareil-ü").userId("用户")
                .eventProperty("note", "🎲").build();

        SpooledEvent read = SpoolRecords.decode(4, SpoolRecords.seal(4, SpoolRecords.encode(SOURCE, event)), null);

        assertThat(read.event().context()).isEqualTo(context);
        assertThat(read.event().deviceId()).contains("appareil-ü");
        assertThat(read.event().userId()).contains("用户");
        assertThat(read.event().encodedSize()).isEqualTo(event.encodedSize());
        assertThat(json(read.event())).isEqualTo(json(event));
    }

    @Test
    void reusesEqualRecentContext() {
        Event event = Event.builder("played").context(new RequestContext("key-1234567890", 3)).build();
        byte[] value = SpoolRecords.seal(2, SpoolRecords.encode(SOURCE, event));

        SpooledEvent read = SpoolRecords.decode(2, value, CONTEXT);

        assertThat(read.event().context()).isSameAs(CONTEXT);
    }

    @Test
    void readsVersionOneRecords() throws IOException {
        byte[] value = versionOneValue(5, "{\"event_type\":\"played\",\"device_id\":\"device-1\"}");

        SpooledEvent read = SpoolRecords.decode(5, value, null);

        assertThat(SpoolRecords.isIntact(5, value)).isTrue();
        assertThat(read.event().eventType()).isEqualTo("played");
        assertThat(read.event().deviceId()).contains("device-1");
        assertThat(read.event().context()).isEqualTo(CONTEXT);
    }

    @Test
    void rejectsDamagedOrMisplacedRecord() {
        Event event = Event.builder("played").context(CONTEXT).deviceId("device-1").build();
        byte[] value = SpoolRecords.seal(9, SpoolRecords.encode(SOURCE, event));
        byte[] damaged = value.clone();
        damaged[damaged.length - 2] ^= 1;
        byte[] unknownVersion = value.clone();
        unknownVersion[0] = 3;

        assertThat(SpoolRecords.isIntact(9, damaged)).isFalse();
        assertThat(SpoolRecords.isIntact(10, value)).isFalse();
        assertThat(SpoolRecords.isIntact(9, unknownVersion)).isFalse();
    }

    private static String json(Event event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            event.writeTo(out);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Builds a record the way the spool's first format wrote it: no ids before the JSON. */
    private static byte[] versionOneValue(long offset, String json) throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(payload)) {
            writeString(out, SOURCE.value());
            writeString(out, CONTEXT.apiKey());
            out.writeInt(CONTEXT.minIdLength());
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = payload.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(1 + Long.BYTES).put((byte) 1).putLong(offset).flip());
        crc.update(bytes);
        return ByteBuffer.allocate(1 + Integer.BYTES + bytes.length)
                .put((byte) 1).putInt((int) crc.getValue()).put(bytes).array();
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeShort(bytes.length);
        out.write(bytes);
    }

}
