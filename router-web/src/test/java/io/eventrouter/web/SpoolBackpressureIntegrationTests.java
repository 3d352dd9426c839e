package io.eventrouter.web;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the router with a 64 MB heap while Amplitude is down: the spool takes more events than the
 * heap could hold, answers 503 with Retry-After once it reaches its maximum size, and delivers
 * everything it took once Amplitude is back. The spool's 96 MB of JSON would take several times
 * that as decoded events on the heap.
 */
class SpoolBackpressureIntegrationTests {

    private static final long HEAP_BYTES = 64L * 1024 * 1024;

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path directory;

    private final AmplitudeFake amplitude = new AmplitudeFake();

    private RouterProcess router;

    @AfterEach
    void stop() {
        if (this.router != null) {
            this.router.close();
        }
        this.amplitude.close();
    }

    @Test
    void spoolsMoreThanTheHeapWhileTheDestinationIsDownThenDeliversAll() {
        this.amplitude.down();
        this.router = RouterProcess.start("spool-backpressure",
                List.of("-Xmx" + HEAP_BYTES / 1024 / 1024 + "m", "-XX:+ExitOnOutOfMemoryError",
                        "-XX:TieredStopAtLevel=1"),
                Map.of("router.spool.type", "file",
                        "router.spool.path", this.directory.resolve("spool").toString(),
                        "router.spool.max-size", "96MB",
                        "router.destinations.file.enabled", "false",
                        "router.destinations.amplitude.enabled", "true",
                        "router.destinations.amplitude.url", this.amplitude.url(),
                        "router.pipeline.retry.initial-backoff", "100ms",
                        "router.pipeline.retry.max-backoff", "500ms",
                        "router.pipeline.retry.max-attempts", "100000",
                        "management.endpoints.web.exposure.include", "health,prometheus"));
        Set<String> acknowledged;
        try (UploadLoad load = UploadLoad.start(this.router.uri("/2/httpapi"), "heap", 2, 100_000, 50, 2000)) {
            await().atMost(TIMEOUT).until(() -> load.unavailable() > 0);
            load.close();

            assertThat(load.acknowledgedBytes()).isGreaterThan(HEAP_BYTES);
            assertThat(load.retryAfterSeconds()).isPositive();
            acknowledged = Set.copyOf(load.acknowledged());
        }

        this.amplitude.up();

        this.amplitude.awaitReceived(acknowledged, TIMEOUT, this.router);
        assertThat(this.router.isAlive()).isTrue();
        // The standalone router serves its meters to Prometheus, with the spool's 503s counted.
        assertThat(this.router.get("/actuator/prometheus"))
                .contains("router_events_delivered_total{destination=\"amplitude\",source=\"client-bridge\"}")
                .contains("router_events_rejected_total{reason=\"spool-full\",source=\"client-bridge\"}")
                .contains("router_destination_backlog{destination=\"amplitude\"} 0.0");
    }

}
