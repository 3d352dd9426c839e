package io.eventrouter.core.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntPredicate;

import org.jspecify.annotations.Nullable;

/**
 * Rebuilds, from the changes {@link FaultyFileSystem} reports, the files a crash would leave, and
 * records each one that lacks the last acknowledged write. A kill leaves the file as it is before
 * any write. A power loss, which the observer models only when asked, keeps what the last sync
 * forced and, of the writes since, any one of them or all but one. Runs on the thread that writes
 * the file.
 */
public final class CrashImages implements FaultyFileSystem.Observer {

    private final Path live;

    private final Path image;

    private final boolean powerLoss;

    private final ImageCheck check;

    private final List<Change> sinceSync = new ArrayList<>();

    private byte[] synced = new byte[0];

    /** The last acknowledged write, as the check understands it, or -1 before the first. */
    public volatile long acknowledged = -1;

    /** The crash images checked so far. */
    public volatile int imagesChecked;

    /** One line for each image that failed its check. */
    public final List<String> lost = new CopyOnWriteArrayList<>();

    /**
     * Observes {@code live}, writing each image to {@code image} for {@code check}.
     *
     * @param powerLoss whether to rebuild power-loss images at each sync instead of kill images
     *        before each write
     */
    public CrashImages(Path live, Path image, boolean powerLoss, ImageCheck check) {
        this.live = live;
        this.image = image;
        this.powerLoss = powerLoss;
        this.check = check;
    }

    @Override
    public void beforeWrite(long position, ByteBuffer source) {
        byte[] bytes = new byte[source.remaining()];
        source.get(bytes);
        changed(new Change(position, bytes));
    }

    @Override
    public void beforeTruncate(long size) {
        changed(new Change(size, null));
    }

    @Override
    public void beforeSync() {
        if (!this.powerLoss) {
            return;
        }
        for (int kept = 0; kept < this.sinceSync.size(); kept++) {
            int only = kept;
            check("only change " + kept + " of " + this.sinceSync.size() + " since the sync",
                    replay((index) -> index == only));
            check("all but change " + kept + " of " + this.sinceSync.size() + " since the sync",
                    replay((index) -> index != only));
        }
    }

    @Override
    public void afterSync() {
        this.synced = readLive();
        this.sinceSync.clear();
    }

    private void changed(Change change) {
        if (!this.powerLoss) {
            check("killed before a write", readLive());
        }
        this.sinceSync.add(change);
    }

    private byte[] replay(IntPredicate applied) {
        byte[] bytes = this.synced;
        for (int index = 0; index < this.sinceSync.size(); index++) {
            if (applied.test(index)) {
                bytes = this.sinceSync.get(index).apply(bytes);
            }
        }
        return bytes;
    }

    private void check(String crash, byte[] bytes) {
        long last = this.acknowledged;
        if (last < 0) {
            return;
        }
        this.imagesChecked++;
        try {
            Files.createDirectories(this.image.getParent());
            Files.write(this.image, bytes);
            if (!this.check.holds(this.image, last)) {
                this.lost.add(last + ", " + crash);
            }
            Files.delete(this.image);
        }
        catch (IOException | RuntimeException ex) {
            this.lost.add(last + ", " + crash + ": " + ex);
        }
    }

    private byte[] readLive() {
        try {
            return Files.readAllBytes(this.live);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Tells whether a crash image contains the last acknowledged write. */
    @FunctionalInterface
    public interface ImageCheck {

        boolean holds(Path image, long acknowledged) throws IOException;

    }

    /** A write of {@code bytes} at {@code position}, or with null bytes a truncation to it. */
    private record Change(long position, byte @Nullable [] bytes) {

        byte[] apply(byte[] file) {
            if (this.bytes == null) {
                return Arrays.copyOf(file, (int) Math.min(file.length, this.position));
            }
            byte[] result = Arrays.copyOf(file, Math.max(file.length, (int) this.position + this.bytes.length));
            System.arraycopy(this.bytes, 0, result, (int) this.position, this.bytes.length);
            return result;
        }

    }

}
