package io.eventrouter.core.spool;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import io.eventrouter.core.destination.DestinationId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists each destination's watermark, the first offset it has not acknowledged, in one small
 * file that is replaced atomically: written to a temporary file, forced, then renamed.
 *
 * <p>Layout: the magic number {@code ERCURSR1}, the format version as an int, the entry count as
 * an int, then per entry the destination id (a short length and UTF-8) and the watermark as a
 * long, and last a CRC-32C of everything before it. A file that fails its checksum is ignored
 * with a warning, and every destination then starts at the oldest retained event: that
 * redelivers events but never skips one.
 */
final class CursorStore {

    private static final Logger logger = LoggerFactory.getLogger(CursorStore.class);

    private static final long MAGIC = 0x4552_4355_5253_5231L;

    private final Path file;

    private final Path temporary;

    CursorStore(Path directory) {
        this.file = directory.resolve("cursors");
        this.temporary = directory.resolve("cursors.tmp");
    }

    Map<DestinationId, Long> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(this.file);
        }
        catch (NoSuchFileException ex) {
            return Map.of();
        }
        try {
            return decode(bytes);
        }
        catch (BufferUnderflowException | IllegalArgumentException ex) {
            logger.warn("Ignoring the damaged spool cursor file, so every destination resumes at the oldest "
                    + "retained event: file={} reason={}", this.file, ex.getMessage());
            return Map.of();
        }
    }

    private static Map<DestinationId, Long> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, Math.max(0, bytes.length - Integer.BYTES));
        if (bytes.length < Integer.BYTES || (int) crc.getValue() != in.getInt(bytes.length - Integer.BYTES)) {
            throw new IllegalArgumentException("the checksum does not match");
        }
        if (in.getLong() != MAGIC || in.getInt() != SpoolRecords.FORMAT_VERSION) {
            throw new IllegalArgumentException("not a cursor file of format version " + SpoolRecords.FORMAT_VERSION);
        }
        int count = in.getInt();
        Map<DestinationId, Long> watermarks = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] id = new byte[Short.toUnsignedInt(in.getShort())];
            in.get(id);
            watermarks.put(DestinationId.of(new String(id, StandardCharsets.UTF_8)), in.getLong());
        }
        return watermarks;
    }

    void write(Map<DestinationId, Long> watermarks, boolean force) throws IOException {
        byte[] bytes = encode(watermarks);
        try (FileChannel channel = FileChannel.open(this.temporary, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (force) {
                channel.force(true);
            }
        }
        Files.move(this.temporary, this.file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (force) {
            FileSpool.syncDirectory(this.file.getParent());
        }
    }

    private static byte[] encode(Map<DestinationId, Long> watermarks) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(MAGIC);
            out.writeInt(SpoolRecords.FORMAT_VERSION);
            out.writeInt(watermarks.size());
            for (Map.Entry<DestinationId, Long> entry : watermarks.entrySet()) {
                byte[] id = entry.getKey().value().getBytes(StandardCharsets.UTF_8);
                out.writeShort(id.length);
                out.write(id);
                out.writeLong(entry.getValue());
            }
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

}
