package io.eventrouter.core.pipeline;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import reactor.core.publisher.Mono;

/**
 * A destination for tests that records every delivery and replies with a scripted result.
 */
final class RecordingDestination implements Destination {

    private final DestinationId id;

    private final Function<Delivery, Mono<DeliveryResult>> answer;

    private final Queue<Delivery> deliveries = new ConcurrentLinkedQueue<>();

    RecordingDestination(String id, Function<Delivery, Mono<DeliveryResult>> answer) {
        this.id = DestinationId.of(id);
        this.answer = answer;
    }

    static RecordingDestination accepting(String id) {
        return new RecordingDestination(id, (delivery) -> Mono.just(DeliveryResult.delivered(delivery.size())));
    }

    @Override
    public DestinationId id() {
        return this.id;
    }

    @Override
    public Mono<DeliveryResult> deliver(Delivery delivery) {
        this.deliveries.add(delivery);
        return this.answer.apply(delivery);
    }

    @Override
    public boolean acceptsConcurrentDeliveries() {
        return true;
    }

    List<Delivery> deliveries() {
        return List.copyOf(this.deliveries);
    }

    /** Returns the event types of every delivery so far, in delivery order. */
    List<String> deliveredEventTypes() {
        return this.deliveries.stream()
                .flatMap((delivery) -> delivery.events().stream())
                .map((event) -> event.eventType())
                .toList();
    }

}
