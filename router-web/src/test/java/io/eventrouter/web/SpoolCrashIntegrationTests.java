package io.eventrouter.web;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills the router with SIGKILL at random points under load and checks after every restart that
 * Amplitude received every event the router had accepted with 200.
 */
class SpoolCrashIntegrationTests {

    private static final int KILL_ROUNDS = 5;

    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    private AmplitudeFake amplitude;

    private RouterProcess router;

    @BeforeEach
    void startAmplitude() {
        this.amplitude = new AmplitudeFake();
    }

    @AfterEach
    void stop() {
        if (this.router != null) {
            this.router.close();
        }
        this.amplitude.close();
    }

    @Test
    void deliversEveryAcknowledgedEventAcrossKills() {
        Set<String> acknowledged = new HashSet<>();
        for (int round = 0; round < KILL_ROUNDS; round++) {
            this.router = startRouter();
            try (UploadLoad load = UploadLoad.start(this.router.uri("/2/httpapi"), "round" + round, 4, 10_000,
                    20, 100)) {
                int killAfter = ThreadLocalRandom.current().nextInt(200, 2000);
                await().atMost(DELIVERY_TIMEOUT).until(() -> load.acknowledged().size() >= killAfter);

                this.router.kill();
                acknowledged.addAll(load.acknowledged());
            }
        }
        this.router = startRouter();

        this.amplitude.awaitReceived(acknowledged, DELIVERY_TIMEOUT, this.router);
        assertThat(acknowledged).hasSizeGreaterThan(KILL_ROUNDS * 200);
    }

    @Test
    void deliversAcceptedEventsBeforeExitingOnSigterm() throws Exception {
        this.router = startRouter();
        Set<String> acknowledged;
        try (UploadLoad load = UploadLoad.start(this.router.uri("/2/httpapi"), "term", 2, 10_000, 20, 100)) {
            await().atMost(DELIVERY_TIMEOUT).until(() -> load.acknowledged().size() >= 1000);

            int exitStatus = this.router.terminate(Duration.ofSeconds(30));

            load.awaitCompletion(Duration.ofSeconds(30));
            acknowledged = Set.copyOf(load.acknowledged());
            assertThat(exitStatus).isIn(0, 143);
        }
        assertThat(this.amplitude.receivedInsertIds()).containsAll(acknowledged);
    }

    private RouterProcess startRouter() {
        return RouterProcess.start("spool-crash", List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                Map.of("router.spool.type", "file",
                        "router.spool.path", this.directory.resolve("spool").toString(),
                        "router.destinations.file.enabled", "false",
                        "router.destinations.amplitude.enabled", "true",
                        "router.destinations.amplitude.url", this.amplitude.url(),
                        "router.destinations.amplitude.batch.max-wait", "50ms",
                        "router.pipeline.retry.initial-backoff", "100ms",
                        "router.pipeline.retry.max-backoff", "1s",
                        "router.pipeline.retry.max-attempts", "1000"));
    }

}
