package io.eventrouter.core.spool;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventJson;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.SourceId;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The stored form of a spooled event, version {@value #FORMAT_VERSION}: the value under its
 * offset in the spool file's records map.
 *
 * <pre>
 * byte  record format version
 * int   CRC-32C of version, offset and payload
 * ----- payload
 * short length, then UTF-8   source id
 * short length, then UTF-8   API key
 * int   options.min_id_length, or -1 when the request set none
 * int length, then UTF-8     device_id, empty when the event has none (version 2 only)
 * int length, then UTF-8     user_id, empty when the event has none (version 2 only)
 * ...   the event's fields as one JSON object, up to the end of the payload
 * </pre>
 *
 * <p>All numbers are big-endian. The checksum tells damaged bytes from data, so a damaged value
 * is never read as an event, and covers the offset, so a value under the wrong key fails too.
 * Version 2 repeats the ids that order a device's events, so that a dispatcher reads a record
 * without parsing its JSON. Version 1 records, from spools written before, are still read.
 */
final class SpoolRecords {

    static final int FORMAT_VERSION = 2;

    private static final int FORMAT_VERSION_WITHOUT_IDS = 1;

    /** The bytes a stored value carries before its payload: format version and checksum. */
    static final int VALUE_HEADER_BYTES = 1 + Integer.BYTES;

    private static final JsonMapper MAPPER = EventJson.MAPPER;

    private SpoolRecords() {
    }

    /** Encodes the payload of one event's record; {@link #frame} adds version and checksum. */
    static byte[] encodePayload(SourceId source, Event event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + event.encodedSize());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, source.value());
            writeString(out, event.context().apiKey());
            Integer minIdLength = event.context().minIdLength();
            out.writeInt((minIdLength != null) ? minIdLength : -1);
            // Ids come from clients and may pass the 65535 bytes a short length allows.
            writeId(out, event.deviceId().orElse(""));
            writeId(out, event.userId().orElse(""));
            event.writeTo(out);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("A spooled string must be at most 65535 bytes of UTF-8, but was "
                    + bytes.length);
        }
        out.writeShort(bytes.length);
        out.write(bytes);
    }

    private static void writeId(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static int checksum(long offset, ByteBuffer payload) {
        return checksum(FORMAT_VERSION, offset, payload);
    }

    private static int checksum(int version, long offset, ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        ByteBuffer prefix = ByteBuffer.allocate(1 + Long.BYTES);
        prefix.put((byte) version).putLong(offset).flip();
        crc.update(prefix);
        crc.update(payload.duplicate());
        return (int) crc.getValue();
    }

    /**
     * Frames a payload as the value stored under {@code offset}: a format version byte, a
     * CRC-32C of version, offset and payload, then the payload.
     */
    static byte[] frame(long offset, byte[] payload) {
        ByteBuffer value = ByteBuffer.allocate(VALUE_HEADER_BYTES + payload.length);
        value.put((byte) FORMAT_VERSION);
        value.putInt(checksum(offset, ByteBuffer.wrap(payload)));
        value.put(payload);
        return value.array();
    }

    /**
     * Returns whether a stored value has a known version and a matching checksum, so damaged
     * bytes are never read as an event.
     */
    static boolean isIntact(long offset, byte[] value) {
        if (value.length < VALUE_HEADER_BYTES
                || (value[0] != FORMAT_VERSION && value[0] != FORMAT_VERSION_WITHOUT_IDS)) {
            return false;
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        in.position(1);
        int expected = in.getInt();
        return checksum(value[0], offset, in.slice()) == expected;
    }

    /**
     * Decodes a stored value that {@link #isIntact} accepted. A version 2 record keeps its JSON
     * as bytes, parsed only if a field other than the ids is read.
     *
     * @param recent a context to reuse when the record's is equal, so that the dispatcher's
     *        many comparisons of one request's contexts find the same instance
     */
    static SpooledEvent decode(long offset, byte[] value, @Nullable RequestContext recent) {
        ByteBuffer in = ByteBuffer.wrap(value);
        int version = in.get();
        in.position(VALUE_HEADER_BYTES);
        SourceId source = SourceId.of(readString(in));
        String apiKey = readString(in);
        int minIdLength = in.getInt();
        RequestContext context = new RequestContext(apiKey, (minIdLength >= 0) ? minIdLength : null);
        if (context.equals(recent)) {
            context = recent;
        }
        if (version == FORMAT_VERSION_WITHOUT_IDS) {
            JsonNode fields = MAPPER.readTree(value, in.position(), in.remaining());
            if (!(fields instanceof ObjectNode object)) {
                throw new IllegalStateException("The record at offset " + offset + " does not contain a JSON object");
            }
            return new SpooledEvent(offset, source, Event.ofOwned(context, object));
        }
        String deviceId = readId(in);
        String userId = readId(in);
        byte[] json = Arrays.copyOfRange(value, in.position(), value.length);
        return new SpooledEvent(offset, source, Event.ofEncoded(context, json, emptyToNull(deviceId),
                emptyToNull(userId)));
    }

    private static @Nullable String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }

    private static String readString(ByteBuffer in) {
        return readUtf8(in, Short.toUnsignedInt(in.getShort()));
    }

    private static String readId(ByteBuffer in) {
        return readUtf8(in, in.getInt());
    }

    private static String readUtf8(ByteBuffer in, int length) {
        String value = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return value;
    }

}
