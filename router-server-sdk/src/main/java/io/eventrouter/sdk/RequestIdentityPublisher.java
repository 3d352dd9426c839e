package io.eventrouter.sdk;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.eventrouter.core.event.Event;
import reactor.core.publisher.Mono;

/**
 * Publishes through another publisher after filling in the device id and session id of the
 * browser request being handled, so that server code needs no ids at the call site.
 *
 * <p>The identity comes from the Reactor context under {@link RequestIdentity#CONTEXT_KEY}, which
 * reaches this publisher when its {@code Mono} is part of the chain a WebFlux handler returns.
 * Otherwise it comes from the thread's {@link RequestIdentity#bind binding} at the time
 * {@link #publish} is called, which covers servlet applications. A {@code Mono} subscribed apart
 * from the request, for example with a bare {@code subscribe()}, gets neither. Unlike the
 * publishers it wraps, {@link #publish} queues the events only when its {@code Mono} is
 * subscribed, because the Reactor context exists only then; {@link #publishAsync} reads the
 * thread's binding and queues at once.
 *
 * @since 0.1.0
 */
public final class RequestIdentityPublisher implements EventPublisher {

    private final EventPublisher delegate;

    private RequestIdentityPublisher(EventPublisher delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Returns {@code delegate} wrapped, or {@code delegate} itself when it is wrapped already. */
    public static EventPublisher wrap(EventPublisher delegate) {
        return (delegate instanceof RequestIdentityPublisher) ? delegate : new RequestIdentityPublisher(delegate);
    }

    @Override
    public Mono<Void> publish(List<Event> events) {
        Optional<RequestIdentity> bound = RequestIdentity.current();
        return Mono.deferContextual((context) -> {
            RequestIdentity identity = context.<RequestIdentity>getOrEmpty(RequestIdentity.CONTEXT_KEY)
                    .or(() -> bound)
                    .orElse(RequestIdentity.none());
            List<Event> filled = identity.isEmpty() ? events : events.stream().map(identity::applyTo).toList();
            return this.delegate.publish(filled);
        });
    }

    @Override
    public CompletableFuture<Void> publishAsync(Event event) {
        return publishAsync(List.of(event));
    }

    @Override
    public CompletableFuture<Void> publishAsync(List<Event> events) {
        RequestIdentity identity = RequestIdentity.current().orElse(RequestIdentity.none());
        List<Event> filled = identity.isEmpty() ? events : events.stream().map(identity::applyTo).toList();
        return this.delegate.publishAsync(filled);
    }

    @Override
    public Mono<Void> flush() {
        return this.delegate.flush();
    }

    @Override
    public void close() {
        this.delegate.close();
    }

    @Override
    public PublisherStats stats() {
        return this.delegate.stats();
    }

    @Override
    public Optional<String> defaultApiKey() {
        return this.delegate.defaultApiKey();
    }

}
