package io.eventrouter.core.deadletter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;

import io.eventrouter.core.destination.DestinationId;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.jspecify.annotations.Nullable;
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
 */
public final class MVStoreDeadLetterStore implements DeadLetterStore {

    private static final String MAP_NAME = "dead-letters";

    private final MVStore store;

    private final MVMap<Long, byte[]> letters;

    private final boolean durable;

    private final Scheduler scheduler = Schedulers.boundedElastic();

    private MVStoreDeadLetterStore(MVStore store, boolean durable) {
        this.store = store;
        this.letters = store.openMap(MAP_NAME);
        this.durable = durable;
    }

    /**
     * Opens the store kept in {@code file}, creating it and its parent folders when missing.
     *
     * @throws UncheckedIOException when the folder cannot be created
     * @throws IllegalStateException when MVStore cannot open the file, for instance because
     *         another process holds it
     */
    public static MVStoreDeadLetterStore open(Path file) {
        Path absolute = file.toAbsolutePath();
        try {
            Path parent = absolute.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot create the folder of the dead-letter store " + absolute, ex);
        }
        MVStore store = new MVStore.Builder().fileName(absolute.toString()).autoCommitDisabled().open();
        return new MVStoreDeadLetterStore(store, true);
    }

    /** Opens a store on the heap that forgets everything on close, for tests. */
    public static MVStoreDeadLetterStore inMemory() {
        return new MVStoreDeadLetterStore(new MVStore.Builder().autoCommitDisabled().open(), false);
    }

    @Override
    public Mono<Void> add(List<DeadLetter> deadLetters) {
        List<byte[]> encoded = deadLetters.stream().map(DeadLetterCodec::encode).toList();
        return run(() -> {
            synchronized (this.store) {
                Long last = this.letters.lastKey();
                long next = (last != null) ? last + 1 : 1;
                for (byte[] letter : encoded) {
                    this.letters.put(next++, letter);
                }
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
            Cursor<Long, byte[]> cursor = this.letters.cursor(afterId + 1);
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
        return run(() -> ids.stream()
                .sorted()
                .distinct()
                .filter(this.letters::containsKey)
                .map((id) -> new StoredDeadLetter(id, DeadLetterCodec.decode(this.letters.get(id))))
                .toList());
    }

    @Override
    public Mono<Void> remove(Collection<Long> ids) {
        List<Long> copy = List.copyOf(ids);
        return run(() -> {
            synchronized (this.store) {
                copy.forEach(this.letters::remove);
                commit();
            }
            return null;
        }).then();
    }

    @Override
    public Mono<Long> count(@Nullable DestinationId destination) {
        if (destination == null) {
            return run(() -> (long) this.letters.size());
        }
        return run(() -> {
            long count = 0;
            Cursor<Long, byte[]> cursor = this.letters.cursor(null);
            while (cursor.hasNext()) {
                cursor.next();
                count += DeadLetterCodec.decode(cursor.getValue()).destination().equals(destination) ? 1 : 0;
            }
            return count;
        });
    }

    /** Commits changes; MVStore's commit leaves them in the page cache, so a durable store syncs too. */
    private void commit() {
        this.store.commit();
        if (this.durable) {
            this.store.sync();
        }
    }

    private <T> Mono<T> run(Callable<T> work) {
        return Mono.fromCallable(work).subscribeOn(this.scheduler);
    }

    @Override
    public void close() {
        synchronized (this.store) {
            if (!this.store.isClosed()) {
                this.store.close();
            }
        }
    }

}
