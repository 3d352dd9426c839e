package io.eventrouter.sdk;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    /** The events the source accepted, in the order it accepted them. */
    final List<Event> accepted = new CopyOnWriteArrayList<>();

    private volatile Mode mode = Mode.ACCEPT;

    private final Sinks.Empty<Void> release = Sinks.empty();

    enum Mode {
        /** Accepts every submission. */
        ACCEPT,
        /** Refuses every submission for now, as a full queue does. */
        REFUSE,
        /** Refuses every submission for good, as a stopped pipeline does. */
        STOPPED,
        /** Refuses the first two offers of each submission for now and accepts the third. */
        REFUSE_TWICE,
        /** Refuses the first offer of all for now, as a queue full for a moment does, and accepts the rest. */
        REFUSE_FIRST,
        /** Holds every submission until {@link #release()}. */
        HOLD
    }

    private final Map<List<Event>, Integer> offers = new ConcurrentHashMap<>();

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
            case ACCEPT -> accept(events);
            case REFUSE -> Mono.error(new AcceptanceException(AcceptanceException.Reason.QUEUE_FULL,
                    Duration.ofSeconds(1), "full"));
            case STOPPED -> Mono.error(new AcceptanceException(AcceptanceException.Reason.NOT_RUNNING,
                    Duration.ofSeconds(1), "stopped"));
            case REFUSE_TWICE -> (this.offers.merge(events, 1, Integer::sum) <= 2)
                    ? Mono.error(new AcceptanceException(AcceptanceException.Reason.QUEUE_FULL, Duration.ofSeconds(1),
                            "full"))
                    : accept(events);
            case REFUSE_FIRST -> (this.submitted.size() == events.size())
                    ? Mono.error(new AcceptanceException(AcceptanceException.Reason.QUEUE_FULL, Duration.ofSeconds(1),
                            "full"))
                    : accept(events);
            case HOLD -> this.release.asMono().thenReturn(new Acceptance(events.size()));
        };
    }

    private Mono<Acceptance> accept(List<Event> events) {
        this.accepted.addAll(events);
        return Mono.just(new Acceptance(events.size()));
    }

}
