package io.eventrouter.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;
import org.jspecify.annotations.Nullable;

/**
 * An H2 file system under the prefix {@value #PREFIX} for tests of what the disk does to the
 * spool. Its files behave like a full disk while {@link #failing} is set: a write stores half of
 * its bytes, as a real short write would, and then fails with "No space left on device". A sync
 * waits while {@link #syncGate} is closed, and {@link #largestWrite} records the largest single
 * write, which is how MVStore writes a chunk, and {@link #observer} sees every write, truncation
 * and sync before it happens, with the file as a process killed at that moment leaves it. MVStore
 * writes through it exactly as through the default file system.
 *
 * <p>Public with a public constructor because H2 creates instances by reflection.
 */
public final class FaultyFileSystem extends FilePathWrapper {

    static final String SCHEME = "faulty";

    static final String PREFIX = SCHEME + ":";

    static volatile boolean failing;

    /** While set, a sync fails with an I/O error, as on a device that lost the data. */
    static volatile boolean failingSync;

    /** Syncs wait until this latch opens; null lets them through. */
    static volatile @Nullable CountDownLatch syncGate;

    /** Syncs that wait at {@link #syncGate} now. */
    static final AtomicInteger syncsWaiting = new AtomicInteger();

    static final AtomicLong largestWrite = new AtomicLong();

    /** Sees each change of the file before it happens; null sees nothing. */
    static volatile @Nullable Observer observer;

    static {
        FilePath.register(new FaultyFileSystem());
    }

    /** Registers the file system with H2; safe to call more than once. */
    static void register() {
        // The static initializer did the work.
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        return new FaultyChannel(getBase().open(mode));
    }

    /** Sees the changes of a file before they reach it; the file's bytes are as before the change. */
    interface Observer {

        default void beforeWrite(long position, ByteBuffer source) {
        }

        default void beforeTruncate(long size) {
        }

        default void beforeSync() {
        }

        default void afterSync() {
        }

    }

    private static final class FaultyChannel extends FileChannel {

        private final FileChannel delegate;

        FaultyChannel(FileChannel delegate) {
            this.delegate = delegate;
        }

        @Override
        public int write(ByteBuffer source, long position) throws IOException {
            largestWrite.accumulateAndGet(source.remaining(), Math::max);
            Observer seen = observer;
            if (seen != null) {
                seen.beforeWrite(position, source.duplicate());
            }
            if (failing) {
                ByteBuffer half = source.duplicate();
                half.limit(half.position() + half.remaining() / 2);
                this.delegate.write(half, position);
                throw new IOException("No space left on device");
            }
            return this.delegate.write(source, position);
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            if (failing) {
                throw new IOException("No space left on device");
            }
            return this.delegate.write(source);
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            if (failing) {
                throw new IOException("No space left on device");
            }
            return this.delegate.write(sources, offset, length);
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            return this.delegate.read(target);
        }

        @Override
        public long read(ByteBuffer[] targets, int offset, int length) throws IOException {
            return this.delegate.read(targets, offset, length);
        }

        @Override
        public int read(ByteBuffer target, long position) throws IOException {
            return this.delegate.read(target, position);
        }

        @Override
        public long position() throws IOException {
            return this.delegate.position();
        }

        @Override
        public FileChannel position(long position) throws IOException {
            this.delegate.position(position);
            return this;
        }

        @Override
        public long size() throws IOException {
            return this.delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            Observer seen = observer;
            if (seen != null) {
                seen.beforeTruncate(size);
            }
            this.delegate.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            CountDownLatch gate = syncGate;
            if (gate != null) {
                syncsWaiting.incrementAndGet();
                try {
                    gate.await();
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IOException("Interrupted while the sync waited", ex);
                }
                finally {
                    syncsWaiting.decrementAndGet();
                }
            }
            if (failingSync) {
                throw new IOException("Input/output error");
            }
            Observer seen = observer;
            if (seen != null) {
                seen.beforeSync();
            }
            this.delegate.force(metaData);
            if (seen != null) {
                seen.afterSync();
            }
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return this.delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
            return this.delegate.transferFrom(source, position, count);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return this.delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return this.delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return this.delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            this.delegate.close();
        }

    }

}
