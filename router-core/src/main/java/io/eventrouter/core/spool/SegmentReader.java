package io.eventrouter.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

import org.jspecify.annotations.Nullable;

/**
 * Reads a segment's records in order with positional reads, checking each record's length,
 * version, checksum and offset before handing it out. Not thread-safe.
 */
final class SegmentReader implements AutoCloseable {

    private final Segment segment;

    private final FileChannel channel;

    private final ByteBuffer header = ByteBuffer.allocate(SpoolRecords.RECORD_HEADER_BYTES);

    private long position;

    private long nextOffset;

    private SegmentReader(Segment segment, FileChannel channel) {
        this.segment = segment;
        this.channel = channel;
        this.position = SpoolRecords.SEGMENT_HEADER_BYTES;
        this.nextOffset = segment.baseOffset;
    }

    static SegmentReader open(Segment segment) throws IOException {
        return new SegmentReader(segment, FileChannel.open(segment.path, StandardOpenOption.READ));
    }

    Segment segment() {
        return this.segment;
    }

    /** Returns the position after the last record read, where a torn tail would begin. */
    long position() {
        return this.position;
    }

    /** Returns the offset the next record must carry. */
    long nextOffset() {
        return this.nextOffset;
    }

    /**
     * Reads the record at the current position, or returns {@code null} when no whole record lies
     * below {@code limit}, the number of bytes of the segment that may be read.
     *
     * @throws CorruptRecordException when the bytes there are not a valid record
     */
    @Nullable Record next(long limit) throws IOException {
        if (this.position + SpoolRecords.RECORD_HEADER_BYTES > limit) {
            return null;
        }
        this.header.clear();
        readFully(this.header, this.position);
        this.header.flip();
        int length = this.header.getInt();
        int checksum = this.header.getInt();
        int version = this.header.get();
        long offset = this.header.getLong();
        if (length < 0 || length > SpoolRecords.MAX_PAYLOAD_BYTES) {
            throw corrupt("length " + length + " is out of range");
        }
        long end = this.position + SpoolRecords.RECORD_HEADER_BYTES + length;
        if (end > limit) {
            throw corrupt("the record's " + length + " bytes run past the end at " + limit);
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(payload, this.position + SpoolRecords.RECORD_HEADER_BYTES);
        payload.flip();
        if (version != SpoolRecords.FORMAT_VERSION) {
            throw corrupt("the format version " + version + " is unknown");
        }
        if (SpoolRecords.checksum(offset, payload) != checksum) {
            throw corrupt("the checksum does not match");
        }
        if (offset < this.nextOffset) {
            throw corrupt("the offset " + offset + " is below the expected " + this.nextOffset);
        }
        this.position = end;
        this.nextOffset = offset + 1;
        return new Record(offset, payload.array());
    }

    private void readFully(ByteBuffer target, long at) throws IOException {
        long from = at;
        while (target.hasRemaining()) {
            int read = this.channel.read(target, from);
            if (read < 0) {
                throw corrupt("the file ends at " + from);
            }
            from += read;
        }
    }

    private CorruptRecordException corrupt(String reason) {
        return new CorruptRecordException("Damaged record in spool segment " + this.segment + " at position "
                + this.position + ": " + reason);
    }

    @Override
    public void close() throws IOException {
        this.channel.close();
    }

    /** A record that passed every check; its payload is not decoded yet. */
    record Record(long offset, byte[] payload) {
    }

    /** Signals bytes that are not a valid record: a torn write at the tail, or damage. */
    static final class CorruptRecordException extends IOException {

        CorruptRecordException(String message) {
            super(message);
        }

    }

}
