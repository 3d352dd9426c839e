package io.eventrouter.core.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.eventrouter.core.internal.DamagedStoreFile;
import io.eventrouter.core.internal.OrderedFileSystem;
import io.eventrouter.core.internal.StoreCommits;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.RandomAccessStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.LongDataType;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The H2 MVStore file of an {@link MVStoreSpool} and its four maps:
 * <ul>
 * <li>{@code records}: offset to stored value ({@link SpoolRecords#frame}).
 * <li>{@code positions}: destination id to its first unacknowledged offset, as of the last
 * checkpoint.
 * <li>{@code acknowledged}: destination id to the offsets above that one it had acknowledged at
 * the same checkpoint, as the bytes of a {@link java.util.BitSet} whose bit {@code i} stands for
 * offset {@code position + 1 + i}. Files written before it was added have none.
 * <li>{@code state}: the bytes the records take ({@value #LIVE_BYTES}), the offset the next
 * append gets ({@value #NEXT_OFFSET}), and whether the spool is
 * open ({@value #OPEN}), which shows the next start that the last run did not close it, and when
 * the file was last shrunk ({@value #SHRUNK_AT}).
 * </ul>
 *
 * <p>Only the writer thread changes the store; readers read the records map beside it, which
 * MVStore allows. After a write error MVStore closes itself; the writer then opens the file
 * again through {@link #reopen()}, which rolls it back to its last complete commit.
 */
final class SpoolFile {

    private static final Logger logger = LoggerFactory.getLogger(SpoolFile.class);

    static final String FILE_NAME = "spool.mv.db";

    static final String LIVE_BYTES = "live-bytes";

    static final String NEXT_OFFSET = "next-offset";

    static final String OPEN = "open";

    static final String SHRUNK_AT = "shrunk-at";

    /**
     * MVStore's page cache: a thirty-second of the maximum heap, between 2 MB and 32 MB. Each
     * checkpoint deletes the records delivered since the one before, and MVStore reads a record's
     * page back from the file when the cache no longer has it. At 32 MB the cache keeps about a
     * second of records at 40,000 events per second. In two load runs it cut the spool writer's
     * CPU per upload by 20 to 30 %. A small heap keeps 2 MB for the dispatchers' batches.
     */
    private static final int CACHE_MEGABYTES = (int) Math.max(2,
            Math.min(32, Runtime.getRuntime().maxMemory() / 32 / (1024 * 1024)));

    private static final int SHRINK_ROUNDS = 3;

    /**
     * The bytes of pages one shrink step rewrites. MVStore's own {@code compactFile} rewrites up
     * to 16 MB and stores them in one buffer, which a small heap with large events cannot always
     * spare. Chunks are moved one at a time, each through a buffer of its own size.
     */
    private static final int SHRINK_REWRITE_BYTES = 4 * 1024 * 1024;

    /** The bytes of chunks one shrink step moves toward the start of the file. */
    private static final long SHRINK_MOVE_BYTES = 64L * 1024 * 1024;

    /** Chunks below this fill rate are rewritten, and a file below it has its chunks moved, as in MVStore. */
    private static final int SHRINK_FILL_RATE = 90;

    private final String fileName;

    private final int retentionMillis;

    /** Whether the file is opened through {@link OrderedFileSystem}, as power-loss durability needs. */
    private final boolean orderedWrites;

    private volatile MVStore store;

    private volatile MVMap<Long, byte[]> records;

    private MVMap<String, Long> positions;

    private MVMap<String, byte[]> acknowledged;

    private MVMap<String, Long> state;

    private SpoolFile(String fileName, int retentionMillis, boolean orderedWrites) {
        this.fileName = fileName;
        this.orderedWrites = orderedWrites;
        this.retentionMillis = retentionMillis;
        this.store = openStore();
        this.records = openRecords(this.store);
        this.positions = openLongs(this.store, "positions");
        this.acknowledged = openAcknowledged(this.store);
        this.state = openLongs(this.store, "state");
    }

    /**
     * Opens the store in {@code fileName}, which names the file {@code path}. When the file is
     * damaged beyond what MVStore can open, it is moved aside in the same directory and an empty
     * spool takes its place: a router that refuses to start loses the events arriving meanwhile,
     * while the moved file keeps the damaged ones for an operator.
     *
     * @param orderedWrites whether each header write waits until the chunks before it are on the
     * device, as a power loss needs
     * @throws IllegalStateException when another process has the file open
     */
    static SpoolFile openOrReplace(String fileName, Path path, int retentionMillis, boolean orderedWrites) {
        warnIfEmpty(path);
        try {
            SpoolFile file = new SpoolFile(fileName, retentionMillis, orderedWrites);
            try {
                file.verifyReadable();
                return file;
            }
            catch (MVStoreException ex) {
                if (isDamage(ex) && fileName.equals(path.toString()) && file.salvage(path, ex)) {
                    return new SpoolFile(fileName, retentionMillis, orderedWrites);
                }
                file.closeImmediately();
                throw ex;
            }
        }
        catch (MVStoreException ex) {
            if (!DamagedStoreFile.isUnopenable(ex, path)) {
                throw ex;
            }
            Path moved = DamagedStoreFile.moveAside(path, "spool file", ex);
            logger.error("The spool file is damaged and cannot be opened, so it was moved aside and the router "
                    + "starts with an empty spool; the events in it were not delivered: file={} moved_to={} "
                    + "error={}", path, moved, ex.getMessage());
            return new SpoolFile(fileName, retentionMillis, orderedWrites);
        }
    }

    private static void warnIfEmpty(Path path) {
        if (DamagedStoreFile.isEmptyFile(path)) {
            logger.warn("The spool file is empty, so the router starts with an empty spool; if the router "
                    + "spooled events before, they are lost: file={}", path);
        }
    }

    /** Whether MVStore failed because of the file's bytes rather than because it cannot reach the file. */
    static boolean isDamage(MVStoreException ex) {
        return DamagedStoreFile.isDamage(ex);
    }

    /** Reads what opening the spool reads, so damage there is found before the spool is built. */
    private void verifyReadable() {
        // The last key, not the first: appends walk the last leaf, while readers skip a damaged
        // page anywhere else.
        this.records.lastKey();
        positions();
        acknowledged();
        state(NEXT_OFFSET);
    }

    /**
     * Copies every record that can still be read, with the positions and the state, into a new
     * file that takes this one's place, and moves this one aside. Opening a file whose last page
     * of records is damaged would otherwise lose every undelivered event in it, since appends go
     * to that page. Closes this file either way.
     *
     * @return whether the new file took this one's place. False means the positions or the state
     *         cannot be read either, so the caller moves the whole file aside
     */
    private boolean salvage(Path path, MVStoreException damage) {
        Path copy = path.resolveSibling(path.getFileName() + ".salvage");
        long copied = 0;
        long unreadable = 0;
        try {
            Files.deleteIfExists(copy);
            long end = state(NEXT_OFFSET);
            Map<String, Long> positions = positions();
            long start = positions.values().stream().mapToLong(Long::longValue).min().orElse(0);
            try (MVStore target = new MVStore.Builder().fileName(copy.toString()).autoCommitDisabled().open()) {
                MVMap<Long, byte[]> records = openRecords(target);
                long bytes = 0;
                long next = start;
                while (next < end) {
                    try {
                        Cursor<Long, byte[]> cursor = this.records.cursor(next);
                        while (cursor.hasNext() && cursor.next() < end) {
                            byte[] record = cursor.getValue();
                            records.put(cursor.getKey(), record);
                            bytes += record.length + SpoolCommitter.RECORD_OVERHEAD_BYTES;
                            copied++;
                            next = cursor.getKey() + 1;
                        }
                        next = end;
                    }
                    catch (MVStoreException ex) {
                        if (!isDamage(ex)) {
                            throw ex;
                        }
                        // The cursor stopped at a damaged page: read past it one offset at a time.
                        unreadable++;
                        next++;
                    }
                }
                openLongs(target, "positions").putAll(positions);
                openAcknowledged(target).putAll(acknowledged());
                MVMap<String, Long> state = openLongs(target, "state");
                state.putAll(this.state);
                state.put(LIVE_BYTES, bytes);
                target.commit();
            }
        }
        catch (IOException | MVStoreException ex) {
            closeImmediately();
            logger.warn("Copying the readable records out of the damaged spool file failed: file={} error={}", path,
                    ex.toString());
            deleteQuietly(copy);
            return false;
        }
        closeImmediately();
        Path moved = DamagedStoreFile.moveAside(path, "spool file", damage);
        try {
            Files.move(copy, path);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("The readable records of the damaged spool file " + path
                    + " were copied to " + copy + " but it cannot take the file's place", ex);
        }
        logger.error("The spool file has a damaged page, so its readable events were copied to a new spool file and "
                + "the damaged file was moved aside; the events on the damaged pages were not delivered: file={} "
                + "moved_to={} events_kept={} offsets_unreadable={} error={}", path, moved, copied, unreadable,
                damage.getMessage());
        return true;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        }
        catch (IOException ex) {
            logger.debug("Cannot delete {}: {}", file, ex.toString());
        }
    }

    private MVStore openStore() {
        try {
            MVStore opened = new MVStore.Builder()
                    .fileName(this.orderedWrites ? OrderedFileSystem.wrap(this.fileName) : this.fileName)
                    .autoCommitDisabled()
                    .cacheSize(CACHE_MEGABYTES)
                    .open();
            opened.setRetentionTime(this.retentionMillis);
            // Readers register the version they read, and nothing rolls back to an old version,
            // so keeping one lets MVStore free dead chunks sooner than its default of five.
            opened.setVersionsToKeep(1);
            return opened;
        }
        catch (MVStoreException ex) {
            if (ex.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
                throw new IllegalStateException("The spool file " + this.fileName + " is in use by another "
                        + "process: give each router its own router.spool.path", ex);
            }
            throw ex;
        }
    }

    private static MVMap<Long, byte[]> openRecords(MVStore store) {
        return store.openMap("records", new MVMap.Builder<Long, byte[]>()
                .keyType(LongDataType.INSTANCE)
                .valueType(ByteArrayDataType.INSTANCE));
    }

    private static MVMap<String, byte[]> openAcknowledged(MVStore store) {
        return store.openMap("acknowledged", new MVMap.Builder<String, byte[]>()
                .keyType(StringDataType.INSTANCE)
                .valueType(ByteArrayDataType.INSTANCE));
    }

    private static MVMap<String, Long> openLongs(MVStore store, String name) {
        return store.openMap(name, new MVMap.Builder<String, Long>()
                .keyType(StringDataType.INSTANCE)
                .valueType(LongDataType.INSTANCE));
    }

    /** The records; readers fetch it again after each failure, since a reopen replaces it. */
    MVMap<Long, byte[]> records() {
        return this.records;
    }

    boolean isOpen() {
        return !this.store.isClosed();
    }

    /**
     * Keeps the chunks of the current version from being written over until the returned action runs: a
     * reader's cursor may walk pages of a version that commits after it have replaced.
     */
    Runnable retain() {
        MVStore current = this.store;
        MVStore.TxCounter counter = current.registerVersionUsage();
        return () -> current.deregisterVersionUsage(counter);
    }

    /** Returns the persisted first unacknowledged offset of every destination. */
    Map<String, Long> positions() {
        return new LinkedHashMap<>(this.positions);
    }

    void putPosition(String destination, long watermark) {
        this.positions.put(destination, watermark);
    }

    /** Removes a destination's position and the offsets it acknowledged above it. */
    void removePosition(String destination) {
        this.positions.remove(destination);
        this.acknowledged.remove(destination);
    }

    /**
     * Returns the offsets each destination had acknowledged above its persisted position, as
     * {@link #putAcknowledged} stored them.
     */
    Map<String, byte[]> acknowledged() {
        return new LinkedHashMap<>(this.acknowledged);
    }

    /** Stores the offsets a destination acknowledged above its position; an empty array removes them. */
    void putAcknowledged(String destination, byte[] offsets) {
        if (offsets.length == 0) {
            this.acknowledged.remove(destination);
        }
        else {
            this.acknowledged.put(destination, offsets);
        }
    }

    long state(String key) {
        return this.state.getOrDefault(key, 0L);
    }

    void putState(String key, long value) {
        this.state.put(key, value);
    }

    /** Commits the changes so far and forces them to the device when {@code sync} is set. */
    void commit(boolean sync) {
        StoreCommits.commit(this.store);
        if (sync) {
            this.store.sync();
        }
    }

    /**
     * Rewrites chunks that are mostly dead, so their space can be reused, and commits when it
     * rewrote any. Bounded by {@code writeBytes} per call, so a large backlog is compacted a
     * step per checkpoint rather than in one long pause of the writer.
     */
    void compactChunks(int targetFillRate, int writeBytes) {
        if (this.store.getFillRate() < targetFillRate && this.store.compact(targetFillRate, writeBytes)) {
            StoreCommits.commit(this.store);
        }
    }

    /**
     * Moves live chunks toward the start of the file and cuts off the free space at its end,
     * for at most {@code maxMillis} per round and {@value #SHRINK_ROUNDS} rounds. Syncs first:
     * MVStore overwrites dead chunks at once while it moves chunks, so the last durable commit
     * must not need them.
     */
    void shrink(int maxMillis, long targetBytes) {
        for (int round = 0; round < SHRINK_ROUNDS && fileSize() > targetBytes; round++) {
            // A new chunk lands in the free space near the start, so the chunks at the end become
            // movable. MVStore also frees a dead chunk only some commits after it died, so one
            // round is often not enough.
            this.state.put(SHRUNK_AT, System.currentTimeMillis());
            StoreCommits.commit(this.store);
            this.store.sync();
            this.store.setRetentionTime(0);
            try {
                compactFile(maxMillis);
            }
            finally {
                this.store.setRetentionTime(this.retentionMillis);
            }
        }
    }

    /**
     * Compacts the file as MVStore's {@code compactFile} does, in smaller steps. It rewrites
     * sparse chunks and moves chunks into the free space before them, until nothing is left to
     * rewrite or {@code maxMillis} passed. Unlike {@code compactFile}, it moves chunks even when no chunk
     * needed a rewrite, as when every record of the old chunks was deleted.
     */
    private void compactFile(int maxMillis) {
        if (!(this.store.getFileStore() instanceof RandomAccessStore fileStore)) {
            this.store.compactFile(maxMillis);
            return;
        }
        long stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        boolean rewrote;
        do {
            rewrote = this.store.compact(SHRINK_FILL_RATE, SHRINK_REWRITE_BYTES);
            this.store.sync();
            fileStore.compactMoveChunks(SHRINK_FILL_RATE, SHRINK_MOVE_BYTES, this.store);
        }
        while (rewrote && System.nanoTime() - stopAt < 0);
    }

    /** Returns the file's size in bytes. */
    long fileSize() {
        return this.store.getFileStore().size();
    }

    /** Opens the file again after MVStore closed it, rolling back to the last complete commit. */
    void reopen() {
        closeImmediately();
        MVStore reopened = openStore();
        this.positions = openLongs(reopened, "positions");
        this.acknowledged = openAcknowledged(reopened);
        this.state = openLongs(reopened, "state");
        this.records = openRecords(reopened);
        this.store = reopened;
    }

    /** Closes the file without writing, as after a failed write. */
    void closeImmediately() {
        if (!this.store.isClosed()) {
            try {
                this.store.closeImmediately();
            }
            catch (RuntimeException ex) {
                logger.debug("Closing the spool file after a failure failed too: {}", ex.toString());
            }
        }
    }

    /** Marks the spool closed and closes the file, writing what is not written yet. */
    void close() {
        if (this.store.isClosed()) {
            return;
        }
        this.state.put(OPEN, 0L);
        this.store.close();
    }

}
