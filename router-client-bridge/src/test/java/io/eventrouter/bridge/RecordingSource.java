package io.eventrouter.bridge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import reactor.core.publisher.Mono;

/** A source that keeps every submitted event, or refuses submissions as a full pipeline does. */
final class RecordingSource implements Source {

    private final List<Event> events = new ArrayList<>();

    private final Map<String, Integer> rejected = new HashMap<>();

    private volatile boolean full;

    @Override
    public SourceId id() {
        return SourceId.of("client-bridge");
    }

    @Override
    public synchronized Mono<Acceptance> submit(List<Event> submitted) {
        if (this.full) {
            return Mono.error(new AcceptanceException(AcceptanceException.Reason.QUEUE_FULL, Duration.ofSeconds(2),
                    "full"));
        }
        this.events.addAll(submitted);
        return Mono.just(new Acceptance(submitted.size()));
    }

    @Override
    public synchronized void rejected(String reason, int count) {
        this.rejected.merge(reason, count, Integer::sum);
    }

    /** Returns how many events the bridge reported as rejected, by reason. */
    synchronized Map<String, Integer> rejected() {
        return Map.copyOf(this.rejected);
    }

    synchronized List<Event> events() {
        return List.copyOf(this.events);
    }

    void rejectSubmissions() {
        this.full = true;
    }

}
