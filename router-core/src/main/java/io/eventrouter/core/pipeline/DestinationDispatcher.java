package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.spool.Spool;
import io.eventrouter.core.spool.SpooledEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Feeds one destination from its cursor in the spool: batches events, delivers one batch at a
 * time, retries what failed transiently and acknowledges each event once it is settled.
 *
 * <p>Each dispatcher is its own Reactor chain, so a destination that fails or hangs slows only
 * its own cursor. Deliveries run on the destination's threads; retry delays run on Reactor's
 * parallel scheduler.
 */
final class DestinationDispatcher {

    private static final Logger logger = LoggerFactory.getLogger(DestinationDispatcher.class);

    private final Destination destination;

    private final BatchPolicy batchPolicy;

    private final RetryPolicy retryPolicy;

    private final Duration deliveryTimeout;

    private final Spool spool;

    DestinationDispatcher(Destination destination, BatchPolicy batchPolicy, RetryPolicy retryPolicy,
            Duration deliveryTimeout, Spool spool) {
        this.destination = destination;
        this.batchPolicy = batchPolicy;
        this.retryPolicy = retryPolicy;
        this.deliveryTimeout = deliveryTimeout;
        this.spool = spool;
    }

    DestinationId id() {
        return this.destination.id();
    }

    Disposable start() {
        // Demand of one batch at a time keeps the backlog in the spool: a default prefetch of 256
        // batches would pull up to 256 * maxEvents events onto the heap while a destination is down.
        return this.spool.read(id())
                .bufferTimeout(this.batchPolicy.maxEvents(), this.batchPolicy.maxWait(), true)
                .concatMapIterable(DestinationDispatcher::splitByContext, 1)
                .concatMap((batch) -> deliver(batch, 1), 0)
                .subscribe(null, (error) -> logger.error("Dispatch stopped for destination_id={}", id(), error));
    }

    /** Splits a batch wherever the request context changes, keeping spool order. */
    static List<List<SpooledEvent>> splitByContext(List<SpooledEvent> batch) {
        Map<RequestContext, List<SpooledEvent>> byContext = new LinkedHashMap<>();
        for (SpooledEvent spooled : batch) {
            byContext.computeIfAbsent(spooled.event().context(), (context) -> new ArrayList<>()).add(spooled);
        }
        return List.copyOf(byContext.values());
    }

    private Mono<Void> deliver(List<SpooledEvent> batch, int attempt) {
        RequestContext context = batch.get(0).event().context();
        List<Event> events = batch.stream().map(SpooledEvent::event).toList();
        return this.destination.deliver(new Delivery(context, events, attempt))
                .timeout(this.deliveryTimeout)
                .onErrorResume((error) -> failedDelivery(batch.size(), attempt, error))
                .defaultIfEmpty(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), batch.size()))
                .flatMap((result) -> settle(batch, result, attempt));
    }

    private Mono<DeliveryResult> failedDelivery(int size, int attempt, Throwable error) {
        logger.warn("Delivery failed, will retry: destination_id={} batch_size={} attempt={} error={}",
                id(), size, attempt, error.toString());
        return Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), size));
    }

    private Mono<Void> settle(List<SpooledEvent> batch, DeliveryResult result, int attempt) {
        if (result.size() != batch.size()) {
            logger.error("Destination returned {} outcomes for {} events, retrying the batch: destination_id={}",
                    result.size(), batch.size(), id());
            return retry(batch, Duration.ZERO, attempt);
        }
        List<SpooledEvent> retries = new ArrayList<>();
        Duration requestedDelay = Duration.ZERO;
        int rejected = 0;
        for (int i = 0; i < batch.size(); i++) {
            SpooledEvent spooled = batch.get(i);
            EventOutcome outcome = result.outcomes().get(i);
            if (outcome instanceof EventOutcome.Throttled throttled) {
                retries.add(spooled);
                requestedDelay = max(requestedDelay, throttled.pause());
            }
            else if (outcome instanceof EventOutcome.RetryLater retryLater) {
                retries.add(spooled);
                requestedDelay = max(requestedDelay, retryLater.delay());
            }
            else {
                rejected += (outcome instanceof EventOutcome.Rejected) ? 1 : 0;
                this.spool.acknowledge(id(), spooled.offset());
            }
        }
        if (rejected > 0) {
            // TODO: keep rejected events in a dead-letter store with their reason instead of dropping them.
            logger.warn("Destination rejected events: destination_id={} rejected={} batch_size={}",
                    id(), rejected, batch.size());
        }
        return retries.isEmpty() ? Mono.empty() : retry(retries, requestedDelay, attempt);
    }

    private Mono<Void> retry(List<SpooledEvent> batch, Duration requestedDelay, int attempt) {
        if (attempt >= this.retryPolicy.maxAttempts()) {
            logger.error("Dropping events after the last attempt: destination_id={} events={} attempts={}",
                    id(), batch.size(), attempt);
            batch.forEach((spooled) -> this.spool.acknowledge(id(), spooled.offset()));
            return Mono.empty();
        }
        Duration backoff = this.retryPolicy.backoff(attempt + 1, requestedDelay);
        logger.debug("Retry scheduled: destination_id={} events={} attempt={} delay={}",
                id(), batch.size(), attempt + 1, backoff);
        return Mono.delay(backoff).then(Mono.defer(() -> deliver(batch, attempt + 1)));
    }

    private static Duration max(Duration a, Duration b) {
        return (a.compareTo(b) >= 0) ? a : b;
    }

}
