package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.bridge.proxy.CorsPolicy;
import io.eventrouter.core.pipeline.DispatchPipeline;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.PublishException;
import io.eventrouter.web.metrics.RouterMeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.AbstractApplicationContextRunner;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.web.reactive.function.server.RouterFunction;
import reactor.test.StepVerifier;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

class EventRouterAutoConfigurationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final AutoConfigurations ROUTER = AutoConfigurations.of(EventRouterAutoConfiguration.class,
            ServletBridgeAutoConfiguration.class, EventRouterActuatorAutoConfiguration.class,
            PublisherLifecycleAutoConfiguration.class);

    private static final String UPLOAD = "{\"api_key\":\"0123456789abcdef\",\"events\":"
            + "[{\"event_type\":\"Page Viewed\",\"user_id\":\"user-1\"}]}";

    @TempDir
    Path directory;

    private <R extends AbstractApplicationContextRunner<R, ?, ?>> R configure(R runner) {
        return runner.withConfiguration(ROUTER)
                .withPropertyValues("router.destinations.file.path=" + this.directory.resolve("events.jsonl"),
                        "router.destinations.file.batch.max-wait=10ms",
                        "router.spool.path=" + this.directory.resolve("spool"),
                        "router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"),
                        "router.sdk.api-key=0123456789abcdef",
                        "router.bridge.address=127.0.0.1",
                        "router.bridge.port=0");
    }

    private String fileContents() throws IOException {
        Path file = this.directory.resolve("events.jsonl");
        return Files.exists(file) ? Files.readString(file) : "";
    }

    @Test
    void reactiveApplicationGetsBridgeRoutesAndPublisher() {
        configure(new ReactiveWebApplicationContextRunner()).run((context) -> {
            assertThat(context).hasSingleBean(DispatchPipeline.class);
            assertThat(context).hasSingleBean(EventPublisher.class);
            assertThat(context).hasSingleBean(ClientBridge.class);
            assertThat(context).hasSingleBean(RouterFunction.class);
            assertThat(context).hasSingleBean(CorsPolicy.class);
            assertThat(context).doesNotHaveBean(BridgeServer.class);
        });
    }

    @Test
    void servletApplicationServesBridgeOnOwnServer() {
        configure(new WebApplicationContextRunner()).run((context) -> {
            assertThat(context).hasSingleBean(ClientBridge.class);
            assertThat(context).doesNotHaveBean(RouterFunction.class);
            int port = context.getBean(BridgeServer.class).port();

            // Browsers send every cookie of the site's domain, more than Netty's default 8 KB here.
            String cookies = "site_cookie=" + "v".repeat(20_000);
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + port + "/2/httpapi"))
                    .POST(HttpRequest.BodyPublishers.ofString(UPLOAD))
                    .header("Content-Type", "application/json")
                    .header("Cookie", cookies)
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            Awaitility.await().atMost(TIMEOUT).until(() -> fileContents().contains("Page Viewed"));
        });
    }

    @Test
    void servletBridgeServerStepsAsideForApplicationBean() {
        configure(new WebApplicationContextRunner())
                .withBean("customBridgeServer", BridgeServer.class,
                        () -> new BridgeServer(ClientBridge.builder(new NeverSource())
                                .build(), "127.0.0.1", 0))
                .run((context) -> assertThat(context).getBean(BridgeServer.class)
                        .isSameAs(context.getBean("customBridgeServer")));
    }

    @Test
    void servletApplicationCanShareItsPortWithBridge() {
        configure(new WebApplicationContextRunner())
                .withPropertyValues("router.bridge.share-application-port=true", "router.bridge.path-prefix=/amplitude")
                .run((context) -> {
                    assertThat(context).doesNotHaveBean(BridgeServer.class);
                    ServletRegistrationBean<?> servlet = context.getBean("eventRouterBridgeServlet",
                            ServletRegistrationBean.class);
                    assertThat(servlet.getUrlMappings()).containsExactly("/amplitude/*");
                    assertThat(servlet.isAsyncSupported()).isTrue();
                });
    }

    @Test
    void sharedPortWithoutPathPrefixFailsStartup() {
        configure(new WebApplicationContextRunner())
                .withPropertyValues("router.bridge.share-application-port=true")
                .run((context) -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("router.bridge.path-prefix"));
    }

    @Test
    void bridgeCanBeDisabled() {
        configure(new WebApplicationContextRunner()).withPropertyValues("router.bridge.enabled=false")
                .run((context) -> {
                    assertThat(context).doesNotHaveBean(ClientBridge.class);
                    assertThat(context).doesNotHaveBean(BridgeServer.class);
                });
    }

    @Test
    void nonWebApplicationGetsPublisherWithoutBridge() {
        configure(new ApplicationContextRunner()).run((context) -> {
            assertThat(context).hasSingleBean(EventPublisher.class);
            assertThat(context).doesNotHaveBean(ClientBridge.class);
        });
    }

    @Test
    void publisherPublishesInProcessWithConfiguredApiKey() {
        configure(new ApplicationContextRunner()).run((context) -> {
            EventPublisher publisher = context.getBean(EventPublisher.class);

            publisher.publish(publisher.track("Server Event").userId("user-1").build()).block(TIMEOUT);

            assertThat(publisher.defaultApiKey()).hasValue("0123456789abcdef");
            Awaitility.await().atMost(TIMEOUT).until(() -> fileContents().contains("Server Event"));
        });
    }

    @Test
    void publisherClosesBeforePipelineStops() {
        configure(new ApplicationContextRunner()).run((context) -> {
            EventPublisher publisher = context.getBean(EventPublisher.class);

            context.getBean(PublisherLifecycle.class).stop();

            assertThat(context.getBean(PipelineLifecycle.class).isRunning()).isTrue();
            assertThat(PublisherLifecycle.PHASE).isGreaterThan(PipelineLifecycle.PHASE);
            assertThat(PublisherLifecycle.PHASE).isLessThan(BridgeServer.PHASE);
            StepVerifier.create(publisher.publish(publisher.track("Late").userId("user-1").build()))
                    .expectErrorSatisfies((error) -> assertThat(((PublishException) error).reason())
                            .isEqualTo(PublishException.Reason.CLOSED))
                    .verify(TIMEOUT);
        });
    }

    @Test
    void publisherLifecycleLeavesApplicationPublisherAlone() {
        EventPublisher own = EventPublisher.builder().inProcess(new NeverSource()).build();

        configure(new ApplicationContextRunner()).withBean(EventPublisher.class, () -> own)
                .run((context) -> assertThat(context).doesNotHaveBean(PublisherLifecycle.class));
    }

    @Test
    void publisherStepsAsideForApplicationBean() {
        EventPublisher own = EventPublisher.builder().inProcess(new NeverSource()).build();

        configure(new ApplicationContextRunner()).withBean(EventPublisher.class, () -> own)
                .run((context) -> assertThat(context).getBean(EventPublisher.class).isSameAs(own));
    }

    @Test
    void publisherSendsOverHttpWhenEndpointIsSet() {
        WireMockServer endpoint = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        endpoint.start();
        try {
            endpoint.stubFor(post("/2/httpapi").willReturn(okJson("{\"code\":200,\"events_ingested\":1,"
                    + "\"payload_size_bytes\":1,\"server_upload_time\":1}")));
            configure(new ApplicationContextRunner())
                    .withPropertyValues("router.sdk.endpoint=" + endpoint.baseUrl())
                    .run((context) -> {
                        EventPublisher publisher = context.getBean(EventPublisher.class);

                        publisher.publish(publisher.track("Remote Event").userId("user-1").build()).block(TIMEOUT);

                        endpoint.verify(1, postRequestedFor(urlEqualTo("/2/httpapi")));
                    });
        }
        finally {
            endpoint.stop();
        }
    }

    @Test
    void healthReportsEachDestinationUp() {
        configure(new ApplicationContextRunner()).run((context) -> {
            CompositeHealthContributor health = context.getBean("eventRouterHealthContributor",
                    CompositeHealthContributor.class);

            HealthIndicator file = (HealthIndicator) health.getContributor("file");

            assertThat(file.health().getStatus()).isEqualTo(Status.UP);
            assertThat(file.health().getDetails()).containsKey("backlog");
        });
    }

    @Test
    void healthCanBeDisabled() {
        configure(new ApplicationContextRunner()).withPropertyValues("management.health.eventrouter.enabled=false")
                .run((context) -> assertThat(context).doesNotHaveBean("eventRouterHealthContributor"));
    }

    @Test
    void metersReportSdkOutcomes() {
        configure(new ApplicationContextRunner()).run((context) -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            EventPublisher publisher = context.getBean(EventPublisher.class);
            publisher.publish(publisher.track("Counted").userId("user-1").build()).block(TIMEOUT);

            context.getBean(RouterMeterBinder.class).bindTo(registry);

            assertThat(registry.get("router.sdk.events").tag("outcome", "accepted").functionCounter().count())
                    .isEqualTo(1.0);
            assertThat(registry.get("router.sdk.pending").gauge().value()).isZero();
        });
    }

}
