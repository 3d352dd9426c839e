package io.eventrouter.core.spool;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

    /**
     * Encodes one event's record with room for its header, so the writer {@linkplain #seal seals}
     * it under an offset without copying it. The record is sized exactly before it is written.
     */
    static byte[] encode(SourceId source, Event event) {
        byte[] sourceId = shortString(source.value());
        byte[] apiKey = shortString(event.context().apiKey());
        // Ids come from clients and may pass the 65535 bytes a short length allows.
        byte[] deviceId = event.deviceId().orElse("").getBytes(StandardCharsets.UTF_8);
        byte[] userId = event.userId().orElse("").getBytes(StandardCharsets.UTF_8);
        int size = VALUE_HEADER_BYTES + Short.BYTES + sourceId.length + Short.BYTES + apiKey.length + Integer.BYTES
                + Integer.BYTES + deviceId.length + Integer.BYTES + userId.length + event.encodedSize();
        byte[] record = new byte[size];
        ByteBuffer out = ByteBuffer.wrap(record);
        out.position(VALUE_HEADER_BYTES);
        out.putShort((short) sourceId.length).put(sourceId);
        out.putShort((short) apiKey.length).put(apiKey);
        Integer minIdLength = event.context().minIdLength();
        out.putInt((minIdLength != null) ? minIdLength : -1);
        out.putInt(deviceId.length).put(deviceId);
        out.putInt(userId.length).put(userId);
        try {
            event.writeTo(new ArrayWriter(record, out.position()));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return record;
    }

    private static byte[] shortString(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("A spooled string must be at most 65535 bytes of UTF-8, but was "
                    + bytes.length);
        }
        return bytes;
    }

    /**
     * Seals a record from {@link #encode} as the value stored under {@code offset}: writes the
     * format version and a CRC-32C of version, offset and payload into its header, in place.
     *
     * @return {@code record}, sealed
     */
    static byte[] seal(long offset, byte[] record) {
        int payloadLength = record.length - VALUE_HEADER_BYTES;
        int checksum = checksum(FORMAT_VERSION, offset, ByteBuffer.wrap(record, VALUE_HEADER_BYTES, payloadLength));
        ByteBuffer.wrap(record).put((byte) FORMAT_VERSION).putInt(checksum);
        return record;
    }

    private static int checksum(int version, long offset, ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(version);
        for (int shift = Long.SIZE - Byte.SIZE; shift >= 0; shift -= Byte.SIZE) {
            crc.update((int) (offset >>> shift));
        }
        crc.update(payload);
        return (int) crc.getValue();
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
        int expected = ByteBuffer.wrap(value).getInt(1);
        return checksum(value[0], offset,
                ByteBuffer.wrap(value, VALUE_HEADER_BYTES, value.length - VALUE_HEADER_BYTES)) == expected;
    }

    /**
     * Decodes a stored value that {@link #isIntact} accepted. A version 2 record keeps its JSON
     * as bytes, in {@code value} itself, parsed only if a field other than the ids is read.
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
        // The event reads its JSON in place, because neither the spool nor the event mutates the value.
        return new SpooledEvent(offset, source, Event.ofEncoded(context, value, in.position(), emptyToNull(deviceId),
                emptyToNull(userId)));
    }

    /** Writes into a record that was sized for what is written, past its header and ids. */
    private static final class ArrayWriter extends OutputStream {

        private final byte[] target;

        private int position;

        ArrayWriter(byte[] target, int position) {
            this.target = target;
            this.position = position;
        }

        @Override
        public void write(int value) {
            this.target[this.position++] = (byte) value;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            System.arraycopy(bytes, offset, this.target, this.position, length);
            this.position += length;
        }

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
