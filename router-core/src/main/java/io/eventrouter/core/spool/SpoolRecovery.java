package io.eventrouter.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what an earlier run left in a spool directory. Only the newest segment is checked record
 * by record, because only it can end in a torn write. Readers check older records as they read.
 */
final class SpoolRecovery {

    private static final Logger logger = LoggerFactory.getLogger(SpoolRecovery.class);

    private SpoolRecovery() {
    }

    /**
     * Lists the segments, cuts a torn or damaged tail off the newest one and opens it for
     * appending.
     *
     * @throws IllegalStateException when a segment file has another format or a newer version
     */
    static RecoveredLog recover(Path directory, FileSpool.ChannelOpener opener) throws IOException {
        List<Segment> segments = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter((path) -> Segment.baseOffset(path).isPresent()).sorted().toList()) {
                segments.add(new Segment(Segment.baseOffset(file).getAsLong(), file, Files.size(file)));
            }
        }
        while (!segments.isEmpty()) {
            Segment last = segments.get(segments.size() - 1);
            if (hasValidHeader(last)) {
                return recoverTail(segments, last, opener);
            }
            logger.warn("Deleting a spool segment without a valid header, left by a crash while it was created: "
                    + "segment={}", last);
            Files.delete(last.path);
            segments.remove(segments.size() - 1);
        }
        return new RecoveredLog(segments, null, null, 0, 0);
    }

    private static RecoveredLog recoverTail(List<Segment> segments, Segment last, FileSpool.ChannelOpener opener)
            throws IOException {
        long size = Files.size(last.path);
        long validBytes;
        long end;
        try (SegmentReader reader = SegmentReader.open(last)) {
            validBytes = scan(reader, size);
            end = reader.nextOffset();
        }
        if (validBytes < size) {
            logger.warn("Dropped a torn record at the tail of the spool, left by a crash during a write: "
                    + "segment={} position={} bytes={}", last, validBytes, size - validBytes);
        }
        FileChannel channel = opener.open(last.path);
        channel.truncate(validBytes);
        channel.position(validBytes);
        last.committedBytes = validBytes;
        return new RecoveredLog(segments, last, channel, validBytes, end);
    }

    /** Returns the position after the last valid record. */
    private static long scan(SegmentReader reader, long size) throws IOException {
        try {
            while (reader.next(size) != null) {
                // Each call checks one record; the loop ends at the end or at the first invalid one.
            }
        }
        catch (SegmentReader.CorruptRecordException ex) {
            logger.debug("Spool tail scan stopped: {}", ex.getMessage());
        }
        return reader.position();
    }

    private static boolean hasValidHeader(Segment segment) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(SpoolRecords.SEGMENT_HEADER_BYTES);
        try (FileChannel channel = FileChannel.open(segment.path, StandardOpenOption.READ)) {
            while (header.hasRemaining() && channel.read(header) >= 0) {
                // Reads until the header is complete or the file ends.
            }
        }
        if (header.hasRemaining()) {
            return false;
        }
        header.flip();
        if (header.getLong() != SpoolRecords.SEGMENT_MAGIC) {
            throw new IllegalStateException("The file " + segment.path + " is not a spool segment: remove it or "
                    + "point the spool at another directory");
        }
        int version = header.getInt();
        if (version != SpoolRecords.FORMAT_VERSION) {
            throw new IllegalStateException("The spool segment " + segment.path + " has format version " + version
                    + ", but this version of Event Router reads only version " + SpoolRecords.FORMAT_VERSION);
        }
        return true;
    }

    /**
     * The log as recovered.
     *
     * @param segments every segment, oldest first
     * @param active the newest segment, open for appending, or {@code null} when there is none
     * @param channel the writer's channel of {@code active}, positioned at its end
     * @param activeBytes the size of {@code active} after recovery
     * @param endOffset the offset after the last valid record, or 0 for an empty log
     */
    record RecoveredLog(List<Segment> segments, @Nullable Segment active, @Nullable FileChannel channel,
            long activeBytes, long endOffset) {

        long totalBytes() {
            long total = 0;
            for (Segment segment : this.segments) {
                total += segment.committedBytes;
            }
            return total;
        }

    }

}
