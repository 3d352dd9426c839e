package io.eventrouter.core.destination;

import reactor.core.publisher.Mono;

/**
 * A downstream service that receives events, such as Amplitude.
 *
 * <p>The pipeline calls {@link #deliver} with one batch at a time per destination and waits for
 * its result before it sends the next batch, so an implementation need not guard against
 * concurrent deliveries. A delivery must not block the calling thread: blocking work belongs on a
 * scheduler of the implementation's choosing.
 */
public interface Destination {

    DestinationId id();

    /**
     * Delivers one batch. The result holds one {@link EventOutcome} per event, in the order of
     * {@link Delivery#events()}. An error signal means the whole batch failed transiently: the
     * pipeline treats it as {@link EventOutcome#retryLater} for every event.
     */
    Mono<DeliveryResult> deliver(Delivery delivery);

}
