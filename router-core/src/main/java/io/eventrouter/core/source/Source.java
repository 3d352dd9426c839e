package io.eventrouter.core.source;

import java.util.List;
import java.util.Optional;

import io.eventrouter.core.event.Event;
import reactor.core.publisher.Mono;

/**
 * Where events enter the pipeline. Each source is one input of the pipeline's single merged flow;
 * the client bridge and the server SDK each submit through their own source.
 *
 * <p>Implementations are thread-safe: any thread may submit at any time.
 */
public interface Source {

    SourceId id();

    /**
     * Submits events for dispatch. The returned {@code Mono} completes once the pipeline's
     * acceptance stage has taken the events; from then on the pipeline owns them and delivers
     * them to every destination. It fails with {@link AcceptanceException} when the pipeline
     * cannot take them now, and then none of the events were accepted. The events of one
     * submission are accepted together and keep their order.
     */
    Mono<Acceptance> submit(List<Event> events);

    /**
     * Returns the rejection a submission made now would most likely get, such as for a full queue
     * or a full spool, without submitting anything. Callers check it before decoding a request,
     * so that an overloaded pipeline turns requests away cheaply. It is a hint: an empty answer does
     * not promise that {@link #submit} succeeds. Empty by default.
     */
    default Optional<AcceptanceException> overload() {
        return Optional.empty();
    }

    /**
     * Counts events the entry point rejected itself, before submitting anything, such as events
     * that fail validation ({@code invalid-event}) or that a rate limit turned away
     * ({@code throttled}). The pipeline counts them as received and as rejected by reason, so
     * received events are the sum of accepted, deduplicated and rejected ones. The default does
     * nothing.
     */
    default void rejected(String reason, int count) {
    }

}
