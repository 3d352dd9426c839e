package io.eventrouter.core.deadletter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.internal.DamagedStoreFile;
import io.eventrouter.core.internal.Directories;
import io.eventrouter.core.internal.OrderedFileSystem;
import io.eventrouter.core.internal.StoreCommits;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The embedded dead-letter store: one H2 MVStore file holding a map from id to the letter's JSON.
 * An {@link #add} is committed and forced to the storage device before it completes, so a letter
 * survives a crash of the process or of the machine.
 *
 * <p>Every call runs on Reactor's bounded-elastic scheduler, because MVStore reads and writes the
 * file on the calling thread. Writes are serialized on this instance; MVStore lets reads run
 * beside them.
 *
 * <p>The file is opened on first use, not by {@link #open}: MVStore locks its file, and a router
 * that never dead-letters an event, such as one of several application contexts in a test JVM,
 * then never takes the lock. A file too damaged to open is moved aside, as the spool's is.
 */
public final class MVStoreDeadLetterStore implements DeadLetterStore {

    private static final Logger logger = LoggerFactory.getLogger(MVStoreDeadLetterStore.class);

    private static final String MAP_NAME = "dead-letters";

    /** The map holding {@value #NEXT_ID}; files written before it existed lack it. */
    private static final String META_MAP_NAME = "dead-letters-meta";

    /** The id the next letter gets, kept so that ids of removed letters are never given again. */
    private static final String NEXT_ID = "next-id";

    private final Supplier<MVStore> opener;

    private final boolean durable;

    private final Scheduler scheduler = Schedulers.boundedElastic();

    /** Guarded by {@code this}. */
    private @Nullable MVStore store;

    /** Guarded by {@code this}. */
    private boolean closed;

    private MVStoreDeadLetterStore(Supplier<MVStore> opener, boolean durable) {
        this.opener = opener;
        this.durable = durable;
    }

    /**
     * Prepares the store kept in {@code file}, creating its parent folders when missing. The file
     * itself is created or opened on first use. A failure to open it, for instance because
     * another process has it locked, is signalled by that first call. A file MVStore reports
     * damaged, or one that ends inside its header, is moved to {@code <file>.corrupt-<UTC time>}
     * with one ERROR, and the store starts empty.
     *
     * @throws UncheckedIOException when the folder cannot be created
     */
    public static MVStoreDeadLetterStore open(Path file) {
        return open(file, "", false);
    }

    /**
     * Prepares the store as {@link #open(Path)} does, with its file under the H2 file system of
     * {@code fileSystemPrefix}. With {@code reuseAtOnce}, MVStore writes new chunks over dead ones
     * as soon as it may, rather than after its default 45 s and five versions, as a store that
     * runs for long does all the time. Tests of crashes use both.
     */
    static MVStoreDeadLetterStore open(Path file, String fileSystemPrefix, boolean reuseAtOnce) {
        Path absolute = file.toAbsolutePath();
        try {
            Path parent = absolute.getParent();
            if (parent != null) {
                Directories.createAndSync(parent);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot create the folder of the dead-letter store " + absolute, ex);
        }
        return new MVStoreDeadLetterStore(() -> openOrReplace(absolute, fileSystemPrefix, reuseAtOnce), true);
    }

    /**
     * Opens the store in {@code file}, or moves a damaged file aside and opens an empty one: a
     * router that stops on it would lose the letters of every later failure, while the moved file
     * keeps the old ones for an operator.
     */
    private static MVStore openOrReplace(Path file, String fileSystemPrefix, boolean reuseAtOnce) {
        if (Files.isDirectory(file)) {
            throw new IllegalStateException("The dead-letter path " + file + " is a directory: "
                    + "router.dead-letters.path names a file, such as data/dead-letters.mv");
        }
        if (DamagedStoreFile.isEmptyFile(file)) {
            logger.warn("The dead-letter file is empty, so the router starts with an empty dead-letter store; if it "
                    + "stored letters before, they are lost: file={}", file);
        }
        try {
            return openReadable(file, fileSystemPrefix, reuseAtOnce);
        }
        catch (MVStoreException ex) {
            if (!DamagedStoreFile.isUnopenable(ex, file)) {
                throw ex;
            }
            Path moved = DamagedStoreFile.moveAside(file, "dead-letter file", ex);
            logger.error("The dead-letter file is damaged and cannot be opened, so it was moved aside and the router "
                    + "starts with an empty dead-letter store; the moved file keeps the letters stored before: "
                    + "file={} moved_to={} error={}", file, moved, ex.getMessage());
            return openFile(file, fileSystemPrefix, reuseAtOnce);
        }
    }

    /** Opens the store and reads what adding a letter reads, so that damage there shows now. */
    private static MVStore openReadable(Path file, String fileSystemPrefix, boolean reuseAtOnce) {
        MVStore store = openFile(file, fileSystemPrefix, reuseAtOnce);
        try {
            store.<Long, byte[]>openMap(MAP_NAME).lastKey();
            store.<String, Long>openMap(META_MAP_NAME).get(NEXT_ID);
            return store;
        }
        catch (MVStoreException ex) {
            store.closeImmediately();
            throw ex;
        }
    }

    private static MVStore openFile(Path file, String fileSystemPrefix, boolean reuseAtOnce) {
        MVStore store = new MVStore.Builder().fileName(OrderedFileSystem.wrap(fileSystemPrefix + file))
                .autoCommitDisabled()
                .open();
        if (reuseAtOnce) {
            store.setRetentionTime(0);
            store.setVersionsToKeep(1);
        }
        // The file may be new, or replace one moved aside: its name must be as durable as its letters.
        Path directory = file.getParent();
        if (directory != null) {
            Directories.sync(directory);
        }
        return store;
    }

    /** Opens a store on the heap whose letters are lost on close, for tests. */
    public static MVStoreDeadLetterStore inMemory() {
        return new MVStoreDeadLetterStore(() -> new MVStore.Builder().autoCommitDisabled().open(), false);
    }

    /** Returns the map of letters, opening the store on first use. */
    private synchronized MVMap<Long, byte[]> letters() {
        if (this.closed) {
            throw new IllegalStateException("The dead-letter store is closed");
        }
        if (this.store == null) {
            this.store = this.opener.get();
        }
        return this.store.openMap(MAP_NAME);
    }

    /** Returns the map of the store's own counters. Call it after {@link #letters()}, which opens the store. */
    private synchronized MVMap<String, Long> meta() {
        return Objects.requireNonNull(this.store, "store").openMap(META_MAP_NAME);
    }

    @Override
    public Mono<Void> add(List<DeadLetter> deadLetters) {
        List<byte[]> encoded = deadLetters.stream().map(DeadLetterCodec::encode).toList();
        return run(() -> {
            synchronized (this) {
                MVMap<Long, byte[]> letters = letters();
                MVMap<String, Long> meta = meta();
                Long last = letters.lastKey();
                long next = Math.max((last != null) ? last + 1 : 1, meta.getOrDefault(NEXT_ID, 1L));
                for (byte[] letter : encoded) {
                    letters.put(next++, letter);
                }
                meta.put(NEXT_ID, next);
                commit();
            }
            return null;
        }).then();
    }

    @Override
    public Mono<List<StoredDeadLetter>> list(@Nullable DestinationId destination, long afterId, int limit) {
        if (limit < 1) {
            return Mono.error(new IllegalArgumentException("limit must be at least 1, but was " + limit));
        }
        return run(() -> {
            List<StoredDeadLetter> page = new ArrayList<>();
            Cursor<Long, byte[]> cursor = letters().cursor(afterId + 1);
            while (page.size() < limit && cursor.hasNext()) {
                long id = cursor.next();
                DeadLetter letter = DeadLetterCodec.decode(cursor.getValue());
                if (destination == null || letter.destination().equals(destination)) {
                    page.add(new StoredDeadLetter(id, letter));
                }
            }
            return List.copyOf(page);
        });
    }

    @Override
    public Mono<List<StoredDeadLetter>> get(Collection<Long> ids) {
        return run(() -> {
            MVMap<Long, byte[]> letters = letters();
            return ids.stream()
                    .sorted()
                    .distinct()
                    .filter(letters::containsKey)
                    .map((id) -> new StoredDeadLetter(id, DeadLetterCodec.decode(letters.get(id))))
                    .toList();
        });
    }

    @Override
    public Mono<Void> remove(Collection<Long> ids) {
        List<Long> copy = List.copyOf(ids);
        return run(() -> {
            synchronized (this) {
                copy.forEach(letters()::remove);
                commit();
            }
            return null;
        }).then();
    }

    @Override
    public Mono<Long> count(@Nullable DestinationId destination) {
        if (destination == null) {
            return run(() -> (long) letters().size());
        }
        return run(() -> {
            long count = 0;
            Cursor<Long, byte[]> cursor = letters().cursor(null);
            while (cursor.hasNext()) {
                cursor.next();
                count += DeadLetterCodec.decode(cursor.getValue()).destination().equals(destination) ? 1 : 0;
            }
            return count;
        });
    }

    /**
     * Commits changes; MVStore's commit leaves them in the page cache, so a durable store syncs
     * too. See {@link StoreCommits} for why the file header is rewritten with every commit.
     */
    private synchronized void commit() {
        MVStore opened = Objects.requireNonNull(this.store, "store");
        StoreCommits.commit(opened);
        if (this.durable) {
            opened.sync();
        }
    }

    private <T> Mono<T> run(Callable<T> work) {
        return Mono.fromCallable(work).subscribeOn(this.scheduler);
    }

    @Override
    public synchronized void close() {
        this.closed = true;
        if (this.store != null && !this.store.isClosed()) {
            this.store.close();
        }
    }

}
