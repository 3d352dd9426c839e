package io.eventrouter.core.deadletter;

import java.util.Collection;
import java.util.List;

import io.eventrouter.core.destination.DestinationId;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Where the pipeline keeps events it gave up on. The pipeline acknowledges a dead-lettered event
 * in the spool only after {@link #add} completed, so an implementation that keeps letters across
 * restarts loses no event between the two.
 *
 * <p>Implementations are thread-safe and never block the calling thread: blocking I/O runs on a
 * scheduler of the implementation's choosing.
 */
public interface DeadLetterStore extends AutoCloseable {

    /**
     * Adds letters. The {@code Mono} completes when they are stored as durably as the
     * implementation promises, and fails when they could not be stored.
     */
    Mono<Void> add(List<DeadLetter> deadLetters);

    /**
     * Lists letters in id order.
     *
     * @param destination only letters of this destination, or {@code null} for all
     * @param afterId only letters with a larger id; 0 for the first page
     * @param limit the most letters returned
     */
    Mono<List<StoredDeadLetter>> list(@Nullable DestinationId destination, long afterId, int limit);

    /** Returns the letters with these ids that are still stored, in id order. */
    Mono<List<StoredDeadLetter>> get(Collection<Long> ids);

    /** Removes letters, for instance once a replay delivered them; unknown ids are ignored. */
    Mono<Void> remove(Collection<Long> ids);

    /** Counts the letters of a destination, or of all destinations when {@code destination} is null. */
    Mono<Long> count(@Nullable DestinationId destination);

    @Override
    void close();

}
