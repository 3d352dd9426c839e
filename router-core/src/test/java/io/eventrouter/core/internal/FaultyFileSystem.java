package io.eventrouter.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;
import org.jspecify.annotations.Nullable;

/**
 * An H2 file system under the prefix {@value #PREFIX} for tests of what the disk does to the
 * H2 stores. Its files behave like a full disk while {@link #failing} is set: a write stores half of
 * its bytes, as a real short write would, and then fails with "No space left on device". A sync
 * waits while {@link #syncGate} is closed and fails while {@link #failingSync} is set.
 * {@link #largestWrite} records the largest single write, which is how MVStore writes a chunk.
 * {@link #observer} is called before every write, truncation and sync, while the file is as a
 * process killed at that moment leaves it. MVStore writes through it exactly as through the
 * default file system.
 *
 * <p>Public with a public constructor because H2 creates instances by reflection.
 */
public final class FaultyFileSystem extends FilePathWrapper {

    public static final String SCHEME = "faulty";

    public static final String PREFIX = SCHEME + ":";

    public static volatile boolean failing;

    /** While set, a sync fails with an I/O error, as on a device that lost the data. */
    public static volatile boolean failingSync;

    /** Syncs wait until this latch opens; null lets them through. */
    public static volatile @Nullable CountDownLatch syncGate;

    /** Syncs that wait at {@link #syncGate} now. */
    public static final AtomicInteger syncsWaiting = new AtomicInteger();

    public static final AtomicLong largestWrite = new AtomicLong();

    /** Called before each change of the file; null when no test observes it. */
    public static volatile @Nullable Observer observer;

    static {
        FilePath.register(new FaultyFileSystem());
    }

    /** Registers the file system with H2; safe to call more than once. */
    public static void register() {
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
    public interface Observer {

        default void beforeWrite(long position, ByteBuffer source) {
        }

        default void beforeTruncate(long size) {
        }

        default void beforeSync() {
        }

        default void afterSync() {
        }

    }

    private static final class FaultyChannel extends ForwardingFileChannel {

        FaultyChannel(FileChannel delegate) {
            super(delegate);
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
            return super.write(source, position);
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            if (failing) {
                throw new IOException("No space left on device");
            }
            return super.write(source);
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            if (failing) {
                throw new IOException("No space left on device");
            }
            return super.write(sources, offset, length);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            Observer seen = observer;
            if (seen != null) {
                seen.beforeTruncate(size);
            }
            return super.truncate(size);
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
            super.force(metaData);
            if (seen != null) {
                seen.afterSync();
            }
        }

    }

}
