package io.eventrouter.web.health;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.pipeline.DestinationStatus;
import io.eventrouter.core.spool.MemorySpool;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

class DestinationHealthIndicatorTests {

    private static final DestinationId AMPLITUDE = DestinationId.of("amplitude");

    private final AtomicReference<DestinationStatus> status = new AtomicReference<>(
            new DestinationStatus(null, 0, null, 0, null, 0));

    private final DestinationHealthIndicator indicator = new DestinationHealthIndicator(AMPLITUDE,
            new MemorySpool(10, List.of(AMPLITUDE)), () -> true, this.status::get);

    @Test
    void showsOnlyTheBacklogWhileDeliveriesSucceed() {
        Health health = this.indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsOnlyKeys("backlog");
    }

    @Test
    void showsEventsWaitingForAnotherDelivery() {
        this.status.set(new DestinationStatus(null, 0, null, 20, Instant.parse("2026-12-05T06:59:00Z"), 2));

        Health health = this.indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("retryingEvents", 20)
                .containsEntry("retryingSince", "2026-12-05T06:59:00Z")
                .containsEntry("pausedDevices", 2)
                .doesNotContainKey("failingSince");
    }

    @Test
    void staysUpAndShowsTheRunOfFailures() {
        this.status.set(new DestinationStatus(Instant.parse("2026-12-05T07:00:00Z"), 4, "HTTP 503: busy", 0, null, 0));

        Health health = this.indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("failingSince", "2026-12-05T07:00:00Z")
                .containsEntry("failedDeliveries", 4)
                .containsEntry("lastFailure", "HTTP 503: busy");
    }

}
