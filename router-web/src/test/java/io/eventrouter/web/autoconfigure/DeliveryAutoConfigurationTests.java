package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.eventrouter.core.amplitude.AmplitudeDestination;
import io.eventrouter.core.deadletter.DeadLetterStore;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.file.JsonLinesFileDestination;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.web.admin.AdminServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationErrors;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.validation.FieldError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dispatch parts of the auto-configuration: metrics, the dead-letter store and the admin
 * endpoints' switches.
 */
class DeliveryAutoConfigurationTests {

    @TempDir
    Path folder;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EventRouterAutoConfiguration.class))
                .withPropertyValues("router.destinations.file.path=" + this.folder.resolve("events.jsonl"),
                        "router.destinations.file.batch.max-wait=10ms",
                        "router.spool.path=" + this.folder.resolve("spool"),
                        "router.dead-letters.path=" + this.folder.resolve("dead-letters.mv"));
    }

    @Test
    void countsDeliveriesInTheApplicationsMeterRegistry() {
        runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);

            context.getBean(EventPublisher.class)
                    .publish(Event.builder("click").apiKey("key-0123456789").deviceId("device-1").build())
                    .block(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(30)).until(() -> registry.find("router.events.delivered")
                    .tags("source", "server-sdk", "destination", "file").counter() != null);
            assertThat(registry.get("router.events.delivered").counter().count()).isEqualTo(1);
        });
    }

    @Test
    void fileOnlyWithoutOtherDestination() {
        runner().run((context) -> assertThat(context).hasSingleBean(JsonLinesFileDestination.class));
        runner().withPropertyValues("router.destinations.amplitude.enabled=true")
                .run((context) -> {
                    assertThat(context).doesNotHaveBean(JsonLinesFileDestination.class);
                    assertThat(context).hasSingleBean(AmplitudeDestination.class);
                });
        runner().withPropertyValues("router.destinations.amplitude.enabled=true",
                "router.destinations.file.enabled=true")
                .run((context) -> assertThat(context).hasSingleBean(JsonLinesFileDestination.class));
        runner().withPropertyValues("router.destinations.file.enabled=false",
                "router.destinations.amplitude.enabled=true")
                .run((context) -> assertThat(context).doesNotHaveBean(JsonLinesFileDestination.class));
    }

    @Test
    void keepsDeadLettersInTheConfiguredFile() {
        runner().run((context) -> assertThat(context).hasSingleBean(DeadLetterStore.class));
    }

    @Test
    void leavesAdminEndpointsOffWithoutAToken() {
        runner().withPropertyValues("router.admin.port=0").run((context) -> {
            assertThat(context).doesNotHaveBean(AdminServer.class);
            assertThat(context).doesNotHaveBean("eventRouterAdminRoutes");
        });
    }

    @Test
    void rejectsRetrySettingsWhileBinding() {
        runner().withPropertyValues("router.pipeline.retry.max-probe-interval=0s")
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("Unable to set value for property max-probe-interval")
                        .hasStackTraceContaining("must be positive"));
        runner().withPropertyValues("router.pipeline.retry.max-attempts=0")
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("Unable to set value for property max-attempts")
                        .hasStackTraceContaining("must be at least 1"));
    }

    @Test
    void rejectsOutOfRangeSettingsNamingTheProperty() {
        List<List<String>> cases = List.of(
                List.of("router.pipeline.delivery-timeout=-5s", "router.pipeline", "deliveryTimeout"),
                List.of("router.pipeline.shutdown-grace-period=-10s", "router.pipeline", "shutdownGracePeriod"),
                List.of("router.pipeline.max-held-events=0", "router.pipeline", "maxHeldEvents"),
                List.of("router.pipeline.duplicate-window.size=-1", "router.pipeline.duplicate-window", "size"),
                List.of("router.spool.checkpoint-interval=0s", "router.spool", "checkpointInterval"),
                List.of("router.spool.capacity=-5", "router.spool", "capacity"),
                List.of("router.bridge.read-timeout=-1s", "router.bridge", "readTimeout"),
                List.of("router.bridge.http-api-max-body-size=3GB", "router.bridge", "httpApiMaxBodySize"),
                List.of("router.bridge.max-events-per-request=0", "router.bridge", "maxEventsPerRequest"),
                List.of("router.bridge.path-prefix=amplitude", "router.bridge", "pathPrefix"),
                List.of("router.bridge.limits.max-connections=-5", "router.bridge.limits", "maxConnections"),
                List.of("router.destinations.amplitude.timeout=-1s", "router.destinations.amplitude", "timeout"),
                List.of("router.destinations.amplitude.url=not-a-url", "router.destinations.amplitude", "url"),
                List.of("router.sdk.buffer-capacity=0", "router.sdk", "bufferCapacity"),
                List.of("router.sdk.endpoint=http://127.0.0.1:8080/?a=1", "router.sdk", "endpoint"),
                List.of("router.bridge.experiment.timeout=-1s", "router.bridge.experiment", "timeout"));
        for (List<String> setting : cases) {
            runner().withPropertyValues(setting.get(0))
                    .run((context) -> assertThat(context).hasFailed().getFailure()
                            .hasStackTraceContaining("BindValidationException")
                            .hasStackTraceContaining(setting.get(1))
                            .hasStackTraceContaining(setting.get(2)));
        }
    }

    @Test
    void rejectsInitialBackoffOverMax() {
        runner().withPropertyValues("router.pipeline.retry.initial-backoff=10m")
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("router.pipeline.retry")
                        .hasStackTraceContaining("initialBackoff")
                        .hasStackTraceContaining("must not be longer than max-backoff (PT5M)"));
        runner().withPropertyValues("router.pipeline.retry.initial-backoff=10m", "router.pipeline.retry.max-backoff=1h")
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void rejectsAmplitudeBatchesOverAmplitudesLimits() {
        runner().withPropertyValues("router.destinations.amplitude.enabled=true",
                "router.destinations.amplitude.batch.max-events=5000")
                .run((context) -> assertThat(bindingErrors(context)).containsExactly(
                        "router.destinations.amplitude batch.maxEvents: must be at most 2000, Amplitude's limit per "
                                + "request"));
        runner().withPropertyValues("router.destinations.amplitude.batch.max-bytes=2000000")
                .run((context) -> assertThat(bindingErrors(context)).containsExactly(
                        "router.destinations.amplitude batch.maxBytes: must be at most 1000000, Amplitude's limit "
                                + "per request to /2/httpapi"));
        runner().withPropertyValues("router.destinations.amplitude.enabled=true",
                "router.destinations.amplitude.batch-api=true", "router.destinations.amplitude.batch.max-bytes=2000000")
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void rejectsBatchSettingsWhileBinding() {
        for (String destination : List.of("amplitude", "file")) {
            String batch = "router.destinations." + destination + ".batch";

            runner().withPropertyValues(batch + ".max-events=0", batch + ".max-bytes=0", batch + ".max-wait=0s")
                    .run((context) -> assertThat(bindingErrors(context)).containsExactlyInAnyOrder(
                            batch + " maxEvents: must be at least 1",
                            batch + " maxBytes: must be at least 1",
                            batch + " maxWait: must be positive"));
        }
    }

    @Test
    void rejectsDirectoriesForFilePaths() {
        runner().withPropertyValues("router.destinations.file.path=" + this.folder)
                .run((context) -> assertThat(bindingErrors(context)).containsExactly(
                        "router.destinations.file path: is a directory; name a file, such as data/events.jsonl"));
        runner().withPropertyValues("router.dead-letters.path=" + this.folder)
                .run((context) -> assertThat(bindingErrors(context)).containsExactly(
                        "router.dead-letters path: is a directory; name a file, such as data/dead-letters.mv"));
    }

    @Test
    void rejectsFilePathsUnderAFile() throws IOException {
        Path file = Files.createFile(this.folder.resolve("notes.txt"));

        runner().withPropertyValues("router.destinations.file.path=" + file.resolve("events.jsonl"))
                .run((context) -> assertThat(bindingErrors(context)).containsExactly(
                        "router.destinations.file path: part of the path, " + file + ", is a file, not a directory"));
        runner().withPropertyValues("router.dead-letters.path=" + file.resolve("letters").resolve("dead-letters.mv"))
                .run((context) -> assertThat(bindingErrors(context)).containsExactly(
                        "router.dead-letters path: part of the path, " + file + ", is a file, not a directory"));
    }

    /**
     * Returns the errors of the binding validation that stopped {@code context}, each as the
     * object's name, the field and the message. A failure that is not such an error fails the test.
     */
    private static List<String> bindingErrors(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        while (failure != null && !(failure instanceof BindValidationException)) {
            failure = failure.getCause();
        }
        assertThat(failure).as("binding validation failure").isInstanceOf(BindValidationException.class);
        ValidationErrors errors = ((BindValidationException) failure).getValidationErrors();
        return errors.getAllErrors().stream()
                .map((error) -> errors.getName() + " " + ((FieldError) error).getField() + ": "
                        + error.getDefaultMessage())
                .toList();
    }

}
