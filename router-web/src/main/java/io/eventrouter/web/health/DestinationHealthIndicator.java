package io.eventrouter.web.health;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.pipeline.DestinationStatus;
import io.eventrouter.core.spool.Spool;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Reports one destination: up while the pipeline dispatches, down otherwise, with the number of
 * events the destination has not acknowledged yet as {@code backlog}. While the destination's
 * deliveries fail, the details add {@code failingSince}, {@code failedDeliveries} and
 * {@code lastFailure}. While events wait to be sent again, they add {@code retryingEvents} and
 * {@code retryingSince}, and {@code pausedDevices} while a throttle pauses devices or users.
 *
 * <p>A failing destination leaves the status up: the router still accepts events and keeps them
 * in the spool, and a load balancer that took it out of service would lose them at the client.
 * Alert on the details or on the {@code router.events.retried} meter instead.
 */
public class DestinationHealthIndicator implements HealthIndicator {

    private final DestinationId destination;

    private final Spool spool;

    private final BooleanSupplier pipelineRunning;

    private final Supplier<DestinationStatus> status;

    /**
     * @param pipelineRunning whether the pipeline is dispatching now
     * @param status how the destination's deliveries fare now
     */
    public DestinationHealthIndicator(DestinationId destination, Spool spool, BooleanSupplier pipelineRunning,
            Supplier<DestinationStatus> status) {
        this.destination = Objects.requireNonNull(destination, "destination");
        this.spool = Objects.requireNonNull(spool, "spool");
        this.pipelineRunning = Objects.requireNonNull(pipelineRunning, "pipelineRunning");
        this.status = Objects.requireNonNull(status, "status");
    }

    @Override
    public Health health() {
        Health.Builder health = this.pipelineRunning.getAsBoolean() ? Health.up() : Health.down();
        health.withDetail("backlog", this.spool.backlog(this.destination));
        DestinationStatus status = this.status.get();
        if (status.failingSince() != null) {
            health.withDetail("failingSince", status.failingSince().toString())
                    .withDetail("failedDeliveries", status.failedDeliveries())
                    .withDetail("lastFailure", String.valueOf(status.lastFailure()));
        }
        if (status.retryingSince() != null) {
            health.withDetail("retryingEvents", status.retryingEvents())
                    .withDetail("retryingSince", status.retryingSince().toString());
        }
        if (status.pausedDevices() > 0) {
            health.withDetail("pausedDevices", status.pausedDevices());
        }
        return health.build();
    }

}
