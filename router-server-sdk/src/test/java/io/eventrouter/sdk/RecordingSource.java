package io.eventrouter.sdk;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** A source that records submissions and accepts, rejects or delays them as a test requests. */
class RecordingSource implements Source {

    final List<Event> submitted = new CopyOnWriteArrayList<>();

    private volatile Mode mode = Mode.ACCEPT;

    private final Sinks.Empty<Void> release = Sinks.empty();

    enum Mode {
        ACCEPT, REFUSE, HOLD
    }

    RecordingSource mode(Mode mode) {
        this.mode = mode;
        return this;
    }

    /** Accepts every held submission. */
    void release() {
        this.release.tryEmitEmpty();
    }

    @Override
    public SourceId id() {
        return SourceId.of("server-sdk");
    }

    @Override
    public Mono<Acceptance> submit(List<Event> events) {
        this.submitted.addAll(events);
        return switch (this.mode) {
            case ACCEPT -> Mono.just(new Acceptance(events.size()));
            case REFUSE -> Mono.error(new AcceptanceException(AcceptanceException.Reason.QUEUE_FULL,
                    Duration.ofSeconds(1), "full"));
            case HOLD -> this.release.asMono().thenReturn(new Acceptance(events.size()));
        };
    }

}
