package io.eventrouter.core.destination;

import reactor.core.publisher.Mono;

/**
 * A downstream service that receives events, such as Amplitude.
 *
 * <p>The pipeline calls {@link #deliver} with one batch at a time per destination and waits for
 * its result before it sends the next batch, so an implementation need not guard against
 * concurrent deliveries, unless it opts in with {@link #acceptsConcurrentDeliveries()}. A
 * delivery must not block the calling thread: blocking work belongs on a scheduler of the
 * implementation's choosing.
 */
public interface Destination {

    DestinationId id();

    /**
     * Delivers one batch. The result holds one {@link EventOutcome} per event, in the order of
     * {@link Delivery#events()}. An error signal means the whole batch failed transiently: the
     * pipeline treats it as {@link EventOutcome#retryLater} for every event.
     */
    Mono<DeliveryResult> deliver(Delivery delivery);

    /**
     * Whether the pipeline may call {@link #deliver} again before earlier results arrived, up to
     * {@code router.pipeline.max-deliveries-in-flight} deliveries at once. The pipeline still keeps
     * each device's events in one delivery at a time. False by default.
     */
    default boolean acceptsConcurrentDeliveries() {
        return false;
    }

}
