package io.eventrouter.core.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * An exclusive lock on a file of its own, which marks a store or file of the router as open in
 * one process. The lock is not taken on the data file itself because on some systems, Linux
 * among them, closing any channel of a file releases every lock the process holds on it (see
 * {@link java.nio.channels.FileLock}). The operating system releases the lock when the process
 * ends, so a lock file left behind by a crash does not block the next start.
 */
public final class LockFile implements Closeable {

    private final FileChannel channel;

    private LockFile(FileChannel channel) {
        this.channel = channel;
    }

    /**
     * Locks the file at {@code path} for this process, creating it when missing.
     *
     * @return the lock, or empty when another process, or another holder in this one, has it
     * @throws IOException when the file cannot be created or opened
     */
    public static Optional<LockFile> tryLock(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (channel.tryLock() != null) {
                return Optional.of(new LockFile(channel));
            }
        }
        catch (OverlappingFileLockException ex) {
            // Another holder in this process has it locked.
        }
        channel.close();
        return Optional.empty();
    }

    /**
     * Releases {@code lock}, if any, because of {@code failure}, to which a failure to release is
     * added as suppressed.
     */
    public static void closeAfter(@Nullable LockFile lock, Exception failure) {
        if (lock != null) {
            try {
                lock.close();
            }
            catch (IOException ex) {
                failure.addSuppressed(ex);
            }
        }
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        this.channel.close();
    }

}
