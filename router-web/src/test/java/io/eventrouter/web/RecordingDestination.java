package io.eventrouter.web;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import reactor.core.publisher.Mono;

/** A destination that keeps every event the pipeline delivers to it. */
final class RecordingDestination implements Destination {

    private final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public DestinationId id() {
        return DestinationId.of("recording");
    }

    @Override
    public Mono<DeliveryResult> deliver(Delivery delivery) {
        this.events.addAll(delivery.events());
        return Mono.just(DeliveryResult.delivered(delivery.size()));
    }

    List<Event> events() {
        return List.copyOf(this.events);
    }

}
