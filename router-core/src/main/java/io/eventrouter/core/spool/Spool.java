package io.eventrouter.core.spool;

import java.util.List;
import java.util.function.Consumer;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The log between the acceptance stage and dispatch. Accepted events are appended once; every
 * destination reads them at its own pace through its own cursor and acknowledges each event
 * when it is done with it, delivered or given up. An event leaves the spool when every
 * destination has acknowledged it.
 *
 * <p>Because the backlog of a slow destination lives here rather than in the destination's
 * queue, one destination never holds back another. Implementations decide where the log lives
 * and how durable an append is; they are thread-safe.
 */
public interface Spool extends AutoCloseable {

    /**
     * Appends events in order. Offsets are assigned in the order of the calls, so two appends
     * from one thread keep their order. The {@code Mono} completes when the events are stored as
     * durably as the implementation promises, and fails with
     * {@link io.eventrouter.core.source.AcceptanceException} when the spool is full; then none of
     * the events were appended.
     */
    Mono<Void> append(SourceId source, List<Event> events);

    /**
     * Reads a destination's events in offset order, starting at its oldest unacknowledged event,
     * and then follows new appends. The flux honours demand and never completes on its own;
     * cancelling it keeps the cursor, so a new subscription resumes where acknowledgements stop.
     * Only one subscription per destination may be active at a time.
     *
     * @throws IllegalArgumentException when the destination was not registered with the spool
     */
    Flux<SpooledEvent> read(DestinationId destination);

    /** Marks an event as done for a destination. Acknowledgements may arrive in any order. */
    void acknowledge(DestinationId destination, long offset);

    /** Returns how many events the destination has not acknowledged yet. */
    long backlog(DestinationId destination);

    /**
     * Passes up to {@code max} of the newest events still in the spool to {@code action}, newest
     * first, so that a restarted pipeline can recognise resends of what the last run accepted.
     * The default passes none, which suits a spool that keeps nothing across restarts.
     */
    default void forEachNewest(int max, Consumer<Event> action) {
    }

    /**
     * Returns whether the events left in the spool when it closes are read again by the next
     * spool opened on the same storage. The default returns false, as for a spool on the heap.
     */
    default boolean keepsEventsAcrossRestarts() {
        return false;
    }

    /** Releases the spool's resources; later calls fail. */
    @Override
    void close();

}
