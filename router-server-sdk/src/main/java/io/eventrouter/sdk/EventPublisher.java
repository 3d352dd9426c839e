package io.eventrouter.sdk;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Source;
import reactor.core.publisher.Mono;

/**
 * Publishes events from server code. Build events with {@link Event#builder(String)}.
 *
 * <p>Implementations are thread-safe and never block the caller's thread.
 *
 * @since 0.1.0
 */
public interface EventPublisher {

    /**
     * Publishes one event. The {@code Mono} completes when the router has accepted the event,
     * not when a destination has received it, and fails with
     * {@link io.eventrouter.core.source.AcceptanceException} when the router cannot take it now.
     * An event without {@code insert_id} gets a random one, so destinations can recognise a
     * resend.
     */
    default Mono<Void> publish(Event event) {
        return publish(List.of(event));
    }

    /** Publishes events together; they are accepted or refused as a whole, in order. */
    Mono<Void> publish(List<Event> events);

    /** Publishes one event and returns a future that completes as {@link #publish(Event)} does. */
    default CompletableFuture<Void> publishAsync(Event event) {
        return publish(event).toFuture();
    }

    /**
     * Returns a publisher that submits straight to a source of a pipeline in the same JVM, with no
     * HTTP hop.
     */
    static EventPublisher inProcess(Source source) {
        return new InProcessPublisher(source);
    }

}
