package io.eventrouter.sdk;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.source.Source;
import reactor.core.publisher.Mono;

/**
 * Publishes into a pipeline source of the same JVM.
 */
final class InProcessPublisher implements EventPublisher {

    private final Source source;

    InProcessPublisher(Source source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public Mono<Void> publish(List<Event> events) {
        return Mono.defer(() -> this.source.submit(events.stream().map(InProcessPublisher::withInsertId).toList()))
                .then();
    }

    private static Event withInsertId(Event event) {
        return event.insertId().isPresent() ? event : event.with(EventField.INSERT_ID, UUID.randomUUID().toString());
    }

}
