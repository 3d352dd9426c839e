package io.eventrouter.web.autoconfigure;

import java.util.List;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import reactor.core.publisher.Mono;

/** A source that never accepts, for beans a test only compares. */
class NeverSource implements Source {

    @Override
    public SourceId id() {
        return SourceId.of("never");
    }

    @Override
    public Mono<Acceptance> submit(List<Event> events) {
        return Mono.never();
    }

}
