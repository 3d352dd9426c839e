package io.eventrouter.core.identity;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32;

import io.eventrouter.core.internal.Directories;
import io.eventrouter.core.internal.LockFile;

/**
 * The file that makes an {@link EmbeddedIdentityStore} survive a restart: every write the store
 * applied, in the order it applied them, so that replaying the file rebuilds the same links.
 *
 * <p>Layout: an 8-byte magic, then records of {@code int length, long key, long time,
 * long session, byte[] value, int crc32}, the CRC covering everything between length and CRC.
 * Writes go to the operating system's page cache without {@code fsync}, which survives a killed
 * process but not a power loss; {@link #close()} forces the file to disk. A record torn by a
 * crash fails its CRC on replay, and the file is truncated before it.
 *
 * <p>{@link #rewrite} replaces the file with one record per live link, so that the file stays
 * proportional to the links instead of to the writes. Not thread-safe on its own: the store
 * serializes calls.
 */
final class IdentityLog implements AutoCloseable {

    private static final byte[] MAGIC = "ERIDLOG1".getBytes(StandardCharsets.US_ASCII);

    private static final int FIXED_BODY_BYTES = 3 * Long.BYTES;

    /** Ids are at most 1024 characters in Amplitude, so 4 bytes of UTF-8 each bound a record. */
    private static final int MAX_VALUE_BYTES = 4 * 1024;

    private final Path file;

    private final CRC32 crc = new CRC32();

    private FileChannel channel;

    private ByteBuffer buffer = ByteBuffer.allocate(256);

    private long records;

    /**
     * The lock file, locked while the log is open so that a second process cannot append to the
     * same log. It is a file of its own because {@link #rewrite} replaces the log's.
     */
    private final LockFile lock;

    private IdentityLog(Path file, FileChannel channel, long records, LockFile lock) {
        this.file = file;
        this.channel = channel;
        this.records = records;
        this.lock = lock;
    }

    /** Receives the records of a log during {@link #open}. */
    @FunctionalInterface
    interface Replay {

        void apply(long key, long time, long session, byte[] value);

    }

    /**
     * Opens the log in {@code directory}, creating it when missing, and hands every intact record
     * to {@code replay} in file order before returning.
     *
     * @throws UncheckedIOException when the file cannot be read or is not an identity log
     */
    static IdentityLog open(Path directory, Replay replay) {
        Path file = directory.resolve("identities.log");
        LockFile lock = null;
        try {
            Files.createDirectories(directory);
            lock = LockFile.tryLock(directory.resolve("identities.lock"))
                    .orElseThrow(() -> new IdentityStoreInUseException(directory));
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (channel.size() == 0) {
                channel.write(ByteBuffer.wrap(MAGIC));
                return new IdentityLog(file, channel, 0, lock);
            }
            long records = replay(file, channel, replay);
            return new IdentityLog(file, channel, records, lock);
        }
        catch (IOException ex) {
            LockFile.closeAfter(lock, ex);
            throw new UncheckedIOException("Cannot open the identity log " + file, ex);
        }
        catch (RuntimeException ex) {
            LockFile.closeAfter(lock, ex);
            throw ex;
        }
    }

    private static long replay(Path file, FileChannel channel, Replay replay) throws IOException {
        long records = 0;
        long intact;
        try (DataInputStream input = new DataInputStream(new BufferedInputStream(Files.newInputStream(file),
                64 * 1024))) {
            byte[] magic = new byte[MAGIC.length];
            if (input.read(magic) != MAGIC.length || !Arrays.equals(magic, MAGIC)) {
                throw new IOException("The file " + file + " is not an identity log");
            }
            intact = MAGIC.length;
            CRC32 crc = new CRC32();
            byte[] body = new byte[FIXED_BODY_BYTES + MAX_VALUE_BYTES];
            while (true) {
                int length = readRecord(input, body, crc);
                if (length < 0) {
                    break;
                }
                ByteBuffer record = ByteBuffer.wrap(body, 0, length);
                replay.apply(record.getLong(), record.getLong(), record.getLong(),
                        Arrays.copyOfRange(body, FIXED_BODY_BYTES, length));
                records++;
                intact += length + 2L * Integer.BYTES;
            }
        }
        channel.truncate(intact);
        channel.position(intact);
        return records;
    }

    /** Reads one record's body into {@code body}; returns its length, or -1 at the end or at a torn record. */
    private static int readRecord(DataInputStream input, byte[] body, CRC32 crc) throws IOException {
        try {
            int length = input.readInt();
            if (length < FIXED_BODY_BYTES || length > body.length) {
                return -1;
            }
            input.readFully(body, 0, length);
            int expected = input.readInt();
            crc.reset();
            crc.update(body, 0, length);
            return ((int) crc.getValue() == expected) ? length : -1;
        }
        catch (EOFException ex) {
            return -1;
        }
    }

    /** Returns how many records the file holds. */
    long records() {
        return this.records;
    }

    /** Appends one record. */
    void append(long key, long time, long session, byte[] value) {
        this.buffer.clear();
        encode(key, time, session, value);
        this.buffer.flip();
        try {
            while (this.buffer.hasRemaining()) {
                this.channel.write(this.buffer);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot append to the identity log " + this.file, ex);
        }
        this.records++;
    }

    private void encode(long key, long time, long session, byte[] value) {
        int length = FIXED_BODY_BYTES + value.length;
        if (this.buffer.capacity() < length + 2 * Integer.BYTES) {
            this.buffer = ByteBuffer.allocate(length + 2 * Integer.BYTES);
        }
        this.buffer.putInt(length);
        int bodyStart = this.buffer.position();
        this.buffer.putLong(key).putLong(time).putLong(session).put(value);
        this.crc.reset();
        this.crc.update(this.buffer.slice(bodyStart, length));
        this.buffer.putInt((int) this.crc.getValue());
    }

    /** Receives each live entry during {@link #rewrite}. */
    interface Entries {

        void forEach(Replay sink);

    }

    /**
     * Replaces the file with the given entries: writes a new file beside it, forces it to disk
     * and moves it over the old one, so a crash in between leaves one of the two intact.
     */
    void rewrite(Entries entries) {
        Path next = this.file.resolveSibling(this.file.getFileName() + ".next");
        try {
            FileChannel rewritten = FileChannel.open(next, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileChannel previous = this.channel;
            long previousRecords = this.records;
            this.channel = rewritten;
            this.records = 0;
            try {
                rewritten.write(ByteBuffer.wrap(MAGIC));
                entries.forEach(this::append);
                rewritten.force(true);
                Files.move(next, this.file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Path directory = this.file.toAbsolutePath().getParent();
                if (directory != null) {
                    Directories.sync(directory);
                }
            }
            catch (IOException | UncheckedIOException ex) {
                // Keep appending to the old file, which is still complete.
                this.channel = previous;
                this.records = previousRecords;
                rewritten.close();
                Files.deleteIfExists(next);
                throw ex;
            }
            previous.close();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot rewrite the identity log " + this.file, ex);
        }
    }

    /** Forces the file to disk and closes it. */
    @Override
    public void close() {
        try {
            this.channel.force(true);
            this.channel.close();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot close the identity log " + this.file, ex);
        }
        finally {
            try {
                this.lock.close();
            }
            catch (IOException ex) {
                // Closing releases the lock, and the process releases it at its end if this fails.
            }
        }
    }

}
