package io.eventrouter.web.autoconfigure;

import java.nio.file.Path;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.DestinationId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class ClientBridgeConfigurationTests {

    @TempDir
    Path directory;

    private ReactiveWebApplicationContextRunner runner() {
        return new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EventRouterAutoConfiguration.class))
                .withPropertyValues("router.destinations.file.enabled=false", "router.spool.type=memory",
                        "router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"))
                .withBean(Destination.class, () -> new Destination() {
                    @Override
                    public DestinationId id() {
                        return DestinationId.of("test");
                    }

                    @Override
                    public Mono<DeliveryResult> deliver(io.eventrouter.core.destination.Delivery delivery) {
                        return Mono.just(DeliveryResult.delivered(delivery.size()));
                    }
                });
    }

    @Test
    void bindsEveryBridgeSetting() {
        runner().withPropertyValues("router.bridge.api-keys=site-key",
                        "router.bridge.api-key-mapping[public-key]=project-key",
                        "router.bridge.trusted-proxies=10.0.0.0/8,127.0.0.1",
                        "router.bridge.http-api-max-body-size=2MB",
                        "router.bridge.limits.events-per-second-per-id=30",
                        "router.bridge.experiment.url=https://experiment.example")
                .run((context) -> {
                    assertThat(context).hasSingleBean(ClientBridge.class);
                    RouterProperties.Bridge bridge = context.getBean(RouterProperties.class).getBridge();
                    assertThat(bridge.getApiKeyMapping()).containsEntry("public-key", "project-key");
                    assertThat(bridge.getHttpApiMaxBodySize()).isEqualTo(DataSize.ofMegabytes(2));
                    assertThat(bridge.getLimits().getEventsPerSecondPerId()).isEqualTo(30);
                });
    }

    @Test
    void failsToStartWithATrustedProxyThatIsNotAnAddress() {
        runner().withPropertyValues("router.bridge.trusted-proxies=proxy.example")
                .run((context) -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("'proxy.example'"));
    }

}
