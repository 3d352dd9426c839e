package io.eventrouter.sdk.internal;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import io.eventrouter.core.amplitude.UploadEncoder;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;

/**
 * Encodes upload bodies with router-core's {@link UploadEncoder} and gzips them, reusing one
 * JSON buffer, one output buffer and one {@link Deflater} per thread. A
 * {@link java.util.zip.GZIPOutputStream} per request would allocate a native deflater and its
 * buffers every time.
 *
 * <p>Compression uses {@link Deflater#BEST_SPEED}. On the benchmark's events (about 400 bytes
 * of JSON each, much of it repeated names) it took about a third of the time of the default
 * level for bodies about 15 % larger.
 */
final class BodyEncoder {

    private static final ThreadLocal<BodyEncoder> encoders = ThreadLocal.withInitial(BodyEncoder::new);

    /** A buffer that grew past this while encoding one body is dropped, so one huge batch does not pin memory. */
    private static final int RETAINED_BUFFER_BYTES = 2 * 1024 * 1024;

    private static final int GZIP_HEADER_BYTES = 10;

    private static final int GZIP_TRAILER_BYTES = 8;

    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);

    private final CRC32 checksum = new CRC32();

    private ReusableBuffer json = new ReusableBuffer();

    private byte[] compressed = new byte[8192];

    private BodyEncoder() {
    }

    static BodyEncoder current() {
        return encoders.get();
    }

    /** Returns the body of an upload of {@code events}, gzip-compressed when {@code compress} is set. */
    byte[] encode(RequestContext context, List<Event> events, boolean compress) {
        this.json.reset();
        UploadEncoder.encode(context, events, this.json);
        byte[] body = compress ? gzip(this.json.bytes(), this.json.size())
                : Arrays.copyOf(this.json.bytes(), this.json.size());
        if (this.json.bytes().length > RETAINED_BUFFER_BYTES) {
            this.json = new ReusableBuffer();
        }
        if (this.compressed.length > RETAINED_BUFFER_BYTES) {
            this.compressed = new byte[8192];
        }
        return body;
    }

    /** Writes a gzip member (RFC 1952): a header without optional fields, raw deflate data, CRC-32 and size. */
    private byte[] gzip(byte[] input, int length) {
        this.deflater.reset();
        this.deflater.setInput(input, 0, length);
        this.deflater.finish();
        writeHeader();
        int size = GZIP_HEADER_BYTES;
        while (!this.deflater.finished()) {
            if (size == this.compressed.length) {
                this.compressed = Arrays.copyOf(this.compressed, this.compressed.length * 2);
            }
            size += this.deflater.deflate(this.compressed, size, this.compressed.length - size);
        }
        this.checksum.reset();
        this.checksum.update(input, 0, length);
        byte[] body = Arrays.copyOf(this.compressed, size + GZIP_TRAILER_BYTES);
        writeIntLittleEndian(body, size, (int) this.checksum.getValue());
        writeIntLittleEndian(body, size + 4, length);
        return body;
    }

    private void writeHeader() {
        byte[] header = this.compressed;
        header[0] = 0x1f;
        header[1] = (byte) 0x8b;
        header[2] = Deflater.DEFLATED;
        // Flags, modification time, extra flags: none. Operating system: unknown.
        Arrays.fill(header, 3, 9, (byte) 0);
        header[9] = (byte) 0xff;
    }

    private static void writeIntLittleEndian(byte[] target, int offset, int value) {
        target[offset] = (byte) value;
        target[offset + 1] = (byte) (value >>> 8);
        target[offset + 2] = (byte) (value >>> 16);
        target[offset + 3] = (byte) (value >>> 24);
    }

    /** A byte stream whose array can be read without a copy and reused after {@link #reset()}. */
    private static final class ReusableBuffer extends ByteArrayOutputStream {

        ReusableBuffer() {
            super(64 * 1024);
        }

        byte[] bytes() {
            return this.buf;
        }

    }

}
