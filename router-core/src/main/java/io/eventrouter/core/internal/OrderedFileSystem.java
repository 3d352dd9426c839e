package io.eventrouter.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;

import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * An H2 file system under the prefix {@value #PREFIX} that forces a file's earlier writes to the
 * device before MVStore writes the file header, so that the header never names a chunk that a
 * power loss could still take.
 *
 * <p>MVStore writes a commit's chunk and then the header that names it, with no sync between
 * them, and the device may persist the two in either order. A power loss that kept the header
 * but not the chunk left a file whose header named a chunk that was not there; MVStore then
 * fell back to an older chunk than the last synced commit, losing appends already acknowledged.
 * The header is the only write in the first two blocks of the file, which is how this file
 * system recognizes it.
 *
 * <p>Public with a public constructor because H2 creates instances by reflection.
 *
 * @see StoreCommits
 */
public final class OrderedFileSystem extends FilePathWrapper {

    private static final String SCHEME = "eventrouter-ordered";

    private static final String PREFIX = SCHEME + ":";

    /** MVStore's header takes the first two blocks of 4 KiB, and chunks start after them. */
    private static final long HEADER_BYTES = 2 * 4096;

    static {
        FilePath.register(new OrderedFileSystem());
    }

    /**
     * Returns the name under which MVStore opens {@code fileName} through this file system,
     * registering it with H2 first.
     */
    public static String wrap(String fileName) {
        return PREFIX + fileName;
    }

    /** Returns {@code fileName} without the prefix {@link #wrap(String)} adds, for messages. */
    static String withoutPrefix(String fileName) {
        return fileName.startsWith(PREFIX) ? fileName.substring(PREFIX.length()) : fileName;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        return new OrderedChannel(getBase().open(mode));
    }

    private static final class OrderedChannel extends ForwardingFileChannel {

        /** Whether a write or truncation happened since the last force. */
        private boolean unforced;

        OrderedChannel(FileChannel delegate) {
            super(delegate);
        }

        @Override
        public synchronized int write(ByteBuffer source, long position) throws IOException {
            beforeWrite(position);
            return super.write(source, position);
        }

        @Override
        public synchronized int write(ByteBuffer source) throws IOException {
            beforeWrite(position());
            return super.write(source);
        }

        @Override
        public synchronized long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            beforeWrite(position());
            return super.write(sources, offset, length);
        }

        @Override
        public synchronized FileChannel truncate(long size) throws IOException {
            this.unforced = true;
            return super.truncate(size);
        }

        @Override
        public synchronized long transferFrom(ReadableByteChannel source, long position, long count)
                throws IOException {
            this.unforced = true;
            return super.transferFrom(source, position, count);
        }

        @Override
        public synchronized void force(boolean metaData) throws IOException {
            super.force(metaData);
            this.unforced = false;
        }

        /** Forces the earlier writes first when a write at {@code position} goes to the header. */
        private void beforeWrite(long position) throws IOException {
            if (position < HEADER_BYTES && this.unforced) {
                this.delegate.force(false);
            }
            this.unforced = true;
        }

    }

}
