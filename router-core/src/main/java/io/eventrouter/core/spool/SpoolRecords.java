package io.eventrouter.core.spool;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.SourceId;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The binary layout of the spool's files, version {@value #FORMAT_VERSION}.
 *
 * <p>A segment file starts with a header of {@value #SEGMENT_HEADER_BYTES} bytes: the magic
 * number {@code ERSPOOL1} and the format version as an int. Records follow back to back, each a
 * header of {@value #RECORD_HEADER_BYTES} bytes and a payload:
 *
 * <pre>
 * int   payload length in bytes
 * int   CRC-32C of everything after this field: version, offset and payload
 * byte  record format version
 * long  offset
 * ----- payload
 * short length, then UTF-8   source id
 * short length, then UTF-8   API key
 * int   options.min_id_length, or -1 when the request set none
 * ...   the event's fields as one JSON object, up to the end of the payload
 * </pre>
 *
 * <p>All numbers are big-endian. A crash can leave the last record incomplete, and the checksum
 * distinguishes such a torn record from data, whatever bytes the file happens to contain.
 */
final class SpoolRecords {

    static final int FORMAT_VERSION = 1;

    /** {@code ERSPOOL1} in ASCII. */
    static final long SEGMENT_MAGIC = 0x4552_5350_4F4F_4C31L;

    static final int SEGMENT_HEADER_BYTES = Long.BYTES + Integer.BYTES;

    static final int RECORD_HEADER_BYTES = Integer.BYTES + Integer.BYTES + 1 + Long.BYTES;

    /**
     * The largest payload a reader accepts. Amplitude caps a batch upload at 20 MB, so a longer
     * length field can only come from damaged bytes.
     */
    static final int MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private SpoolRecords() {
    }

    /** Encodes the payload of one event's record. The writer adds the offset when it writes the record. */
    static byte[] encodePayload(SourceId source, Event event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, source.value());
            writeString(out, event.context().apiKey());
            Integer minIdLength = event.context().minIdLength();
            out.writeInt((minIdLength != null) ? minIdLength : -1);
            out.flush();
            try (JsonGenerator generator = MAPPER.createGenerator(bytes)) {
                event.writeTo(generator);
            }
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

    /** Returns the size of a record with this payload, header included. */
    static int recordBytes(byte[] payload) {
        return RECORD_HEADER_BYTES + payload.length;
    }

    /** Writes one record, header and payload, into {@code target}. */
    static void writeRecord(ByteBuffer target, long offset, byte[] payload) {
        target.putInt(payload.length);
        target.putInt(checksum(offset, ByteBuffer.wrap(payload)));
        target.put((byte) FORMAT_VERSION);
        target.putLong(offset);
        target.put(payload);
    }

    static int checksum(long offset, ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        ByteBuffer prefix = ByteBuffer.allocate(1 + Long.BYTES);
        prefix.put((byte) FORMAT_VERSION).putLong(offset).flip();
        crc.update(prefix);
        crc.update(payload.duplicate());
        return (int) crc.getValue();
    }

    static ByteBuffer segmentHeader() {
        return ByteBuffer.allocate(SEGMENT_HEADER_BYTES).putLong(SEGMENT_MAGIC).putInt(FORMAT_VERSION).flip();
    }

    /** Decodes a payload that passed its checksum. */
    static SpooledEvent decode(long offset, byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        SourceId source = SourceId.of(readString(in));
        String apiKey = readString(in);
        int minIdLength = in.getInt();
        RequestContext context = new RequestContext(apiKey, (minIdLength >= 0) ? minIdLength : null);
        JsonNode fields = MAPPER.readTree(payload, in.position(), in.remaining());
        if (!(fields instanceof ObjectNode object)) {
            throw new IllegalStateException("The record at offset " + offset + " does not contain a JSON object");
        }
        return new SpooledEvent(offset, source, Event.ofOwned(context, object));
    }

    private static String readString(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        String value = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return value;
    }

}
