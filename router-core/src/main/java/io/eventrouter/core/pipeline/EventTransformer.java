package io.eventrouter.core.pipeline;

import java.util.List;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;
import reactor.core.publisher.Mono;

/**
 * A step of the acceptance stage that may change a submission's events before they are appended
 * to the spool, such as identity stitching.
 *
 * <p>Because it runs before the append, the spool contains the transformed events: a destination
 * that reads them again after a restart or a retry gets exactly what the first attempt got, and
 * the transformer never runs twice for one event. A transformer returns the events in their
 * order; an error signal fails the whole submission, so a transformer that can do without its
 * own dependencies should pass the events through instead. It is called concurrently for
 * different submissions.
 */
@FunctionalInterface
public interface EventTransformer {

    /** Returns the events to append in place of {@code events}. */
    Mono<List<Event>> transform(SourceId source, List<Event> events);

}
