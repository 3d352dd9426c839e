package io.eventrouter.web.health;

import java.util.Objects;
import java.util.function.BooleanSupplier;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.spool.Spool;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Reports one destination: up while the pipeline dispatches, down otherwise, with the number of
 * events the destination has not acknowledged yet as {@code backlog}.
 */
public class DestinationHealthIndicator implements HealthIndicator {

    private final DestinationId destination;

    private final Spool spool;

    private final BooleanSupplier pipelineRunning;

    /**
     * @param pipelineRunning whether the pipeline is dispatching now
     */
    public DestinationHealthIndicator(DestinationId destination, Spool spool, BooleanSupplier pipelineRunning) {
        this.destination = Objects.requireNonNull(destination, "destination");
        this.spool = Objects.requireNonNull(spool, "spool");
        this.pipelineRunning = Objects.requireNonNull(pipelineRunning, "pipelineRunning");
    }

    @Override
    public Health health() {
        Health.Builder health = this.pipelineRunning.getAsBoolean() ? Health.up() : Health.down();
        return health.withDetail("backlog", this.spool.backlog(this.destination)).build();
    }

}
