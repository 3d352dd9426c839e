package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.bridge.identity.FirstPartyCookieFilter;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.FirstPartyDeviceLinker;
import io.eventrouter.core.identity.IdentityStitcher;
import io.eventrouter.core.identity.IdentityStore;
import io.eventrouter.core.identity.StitchedFields;
import io.eventrouter.core.pipeline.DispatchPipeline;
import io.eventrouter.core.pipeline.EventTransformer;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.RequestIdentityPublisher;
import io.eventrouter.web.identity.RequestIdentityServletFilter;
import io.eventrouter.web.identity.RequestIdentityWebFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class IdentityAutoConfigurationTests {

    private static final String API_KEY = "web-test-api-key";

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdentityAutoConfiguration.class,
                        EventRouterAutoConfiguration.class))
                .withPropertyValues("router.destinations.file.path=" + this.directory.resolve("events.jsonl"),
                        "router.destinations.file.batch.max-wait=10ms",
                        "router.spool.path=" + this.directory.resolve("spool"),
                        "router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"),
                        "router.identity.embedded.directory=" + this.directory.resolve("identity"));
    }

    @Test
    void createsAnEmbeddedStoreThatKeepsItsLinksInTheConfiguredDirectory() {
        runner().run((context) -> {
            assertThat(context).hasSingleBean(EmbeddedIdentityStore.class).hasSingleBean(IdentityStitcher.class);
            assertThat(this.directory.resolve("identity").resolve("identities.log")).exists();
        });
    }

    @Test
    void keepsLinksInMemoryOnlyWhenNotPersistent() {
        runner().withPropertyValues("router.identity.embedded.persistent=false").run((context) -> {
            assertThat(context).hasSingleBean(EmbeddedIdentityStore.class);
            assertThat(this.directory.resolve("identity")).doesNotExist();
        });
    }

    @Test
    void rejectsEmbeddedDirectoryUnderAFile() throws IOException {
        Path file = Files.createFile(this.directory.resolve("notes.txt"));

        runner().withPropertyValues("router.identity.embedded.directory=" + file.resolve("identity"))
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .hasRootCauseInstanceOf(BindValidationException.class)
                        .hasStackTraceContaining("router.identity.embedded")
                        .hasStackTraceContaining("part of the path, " + file + ", is a file, not a directory"));
    }

    @Test
    void rejectsEmbeddedDirectoryThatIsAFile() throws IOException {
        Path file = Files.createFile(this.directory.resolve("identity"));

        runner().run((context) -> assertThat(context).hasFailed().getFailure()
                .hasRootCauseInstanceOf(BindValidationException.class)
                .hasStackTraceContaining("router.identity.embedded")
                .hasStackTraceContaining("is a file; name a directory, such as data/identity"));
    }

    @Test
    void ignoresEmbeddedDirectoryWhenNotPersistent() throws IOException {
        Path file = Files.createFile(this.directory.resolve("notes.txt"));

        runner().withPropertyValues("router.identity.embedded.persistent=false",
                "router.identity.embedded.directory=" + file.resolve("identity"))
                .run((context) -> assertThat(context).hasSingleBean(EmbeddedIdentityStore.class));
    }

    @Test
    void rejectsOutOfRangeDurationsNamingTheProperty() {
        for (String setting : List.of("router.identity.store-timeout=-1s", "router.identity.session-window=-1m")) {
            runner().withPropertyValues(setting)
                    .run((context) -> assertThat(context).hasFailed().getFailure()
                            .hasRootCauseInstanceOf(BindValidationException.class)
                            .hasStackTraceContaining("router.identity"));
        }
    }

    @Test
    void rejectsARedisUrlWithoutScheme() {
        for (String url : List.of("127.0.0.1:6379", "localhost:6379")) {
            runner().withPropertyValues("router.identity.store=redis", "router.identity.redis.url=" + url)
                    .run((context) -> assertThat(context).hasFailed().getFailure()
                            .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasStackTraceContaining("router.identity.redis.url")
                            .hasStackTraceContaining("redis://127.0.0.1:6379"));
        }
    }

    @Test
    void stitchesNothingWhenDisabled() {
        runner().withPropertyValues("router.identity.enabled=false").run((context) -> {
            assertThat(context).doesNotHaveBean(IdentityStore.class).doesNotHaveBean(EventTransformer.class);
            assertThat(context).hasSingleBean(DispatchPipeline.class);
        });
    }

    @Test
    void wrapsThePublisherInAReactiveWebApplication() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdentityAutoConfiguration.class,
                        EventRouterAutoConfiguration.class))
                .withPropertyValues("router.destinations.file.path=" + this.directory.resolve("events.jsonl"),
                        "router.spool.path=" + this.directory.resolve("spool"),
                        "router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"),
                        "router.identity.embedded.persistent=false", "router.bridge.enabled=false")
                .run((context) -> {
                    assertThat(context.getBean(EventPublisher.class)).isInstanceOf(RequestIdentityPublisher.class);
                    assertThat(context).hasSingleBean(RequestIdentityWebFilter.class);
                });
    }

    @Test
    void wrapsThePublisherInAServletWebApplication() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdentityAutoConfiguration.class,
                        EventRouterAutoConfiguration.class))
                .withPropertyValues("router.destinations.file.path=" + this.directory.resolve("events.jsonl"),
                        "router.spool.type=memory",
                        "router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"),
                        "router.identity.embedded.persistent=false", "router.bridge.enabled=false")
                .run((context) -> {
                    assertThat(context.getBean(EventPublisher.class)).isInstanceOf(RequestIdentityPublisher.class);
                    assertThat(context).hasSingleBean(RequestIdentityServletFilter.class)
                            .doesNotHaveBean(RequestIdentityWebFilter.class);
                });
    }

    @Test
    void linksBridgeUploadsToTheFirstPartyCookieWhenEnabled() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdentityAutoConfiguration.class,
                        EventRouterAutoConfiguration.class))
                .withPropertyValues("router.destinations.file.path=" + this.directory.resolve("events.jsonl"),
                        "router.spool.path=" + this.directory.resolve("spool"),
                        "router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"),
                        "router.identity.embedded.persistent=false", "router.identity.first-party.enabled=true",
                        "router.identity.first-party.domains=example.com")
                .run((context) -> {
                    assertThat(context).hasSingleBean(FirstPartyCookieFilter.class)
                            .hasSingleBean(FirstPartyDeviceLinker.class)
                            .hasSingleBean(ClientBridgeSourceCustomizer.class);
                    assertThat(context).hasSingleBean(ClientBridge.class);
                });
    }

    @Test
    void rejectsTheFirstPartyCookieWithoutDomains() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdentityAutoConfiguration.class,
                        EventRouterAutoConfiguration.class))
                .withPropertyValues("router.destinations.file.path=" + this.directory.resolve("events.jsonl"),
                        "router.spool.path=" + this.directory.resolve("spool"),
                        "router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"),
                        "router.identity.embedded.persistent=false", "router.identity.first-party.enabled=true")
                .run((context) -> assertThat(context).getFailure()
                        .hasRootCauseMessage("router.identity.first-party.domains must name the site domains "
                                + "the cookie is set for, such as 'example.com', but was empty"));
    }

    @Test
    void usesTheApplicationsOwnStore() {
        runner().withBean(IdentityStore.class, () -> EmbeddedIdentityStore.inMemory(100)).run((context) ->
                assertThat(context).hasSingleBean(IdentityStore.class).hasSingleBean(IdentityStitcher.class));
    }

    @Test
    void givesAServerEventTheDeviceAndSessionOfTheBrowserLogin() {
        runner().run((context) -> {
            DispatchPipeline pipeline = context.getBean(DispatchPipeline.class);
            pipeline.source(EventRouterAutoConfiguration.CLIENT_BRIDGE)
                    .submit(List.of(Event.builder("login").apiKey(API_KEY).deviceId("browser-d1")
                            .userId("alice").sessionId(1_700_000_000_000L).build()))
                    .block(Duration.ofSeconds(5));

            context.getBean(EventPublisher.class)
                    .publish(Event.builder("order_paid").apiKey(API_KEY).userId("alice").build())
                    .block(Duration.ofSeconds(5));

            String line = await().atMost(Duration.ofSeconds(10)).until(() -> orderPaidLine(), (found) -> found != null);
            assertThat(line).contains("\"device_id\":\"browser-d1\"")
                    .contains("\"session_id\":1700000000000")
                    .contains(StitchedFields.PROPERTY);
        });
    }

    private String orderPaidLine() throws IOException {
        Path events = this.directory.resolve("events.jsonl");
        if (!Files.exists(events)) {
            return null;
        }
        return Files.readAllLines(events).stream()
                .filter((line) -> line.contains("order_paid"))
                .findFirst()
                .orElse(null);
    }

}
