package io.eventrouter.web.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.pipeline.DispatchPipeline;
import io.eventrouter.core.spool.Spool;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.web.health.DestinationHealthIndicator;
import io.eventrouter.web.metrics.BridgeMeterBinder;
import io.eventrouter.web.metrics.RouterMeterBinder;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health and metrics of Event Router when the application has Actuator: health
 * {@code eventRouter} with one indicator per destination (turn it off with
 * {@code management.health.eventrouter.enabled=false}), and the meters of
 * {@link RouterMeterBinder}. Each bean steps aside when the application defines its own under
 * the same name.
 */
@AutoConfiguration(after = EventRouterAutoConfiguration.class)
@ConditionalOnBean(DispatchPipeline.class)
public final class EventRouterActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("eventrouter")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "eventRouterHealthContributor")
        CompositeHealthContributor eventRouterHealthContributor(DispatchPipeline pipeline, Spool spool,
                PipelineLifecycle lifecycle) {
            Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
            for (DestinationId destination : pipeline.destinations()) {
                indicators.put(destination.value(),
                        new DestinationHealthIndicator(destination, spool, lifecycle::isRunning,
                                () -> pipeline.status(destination)));
            }
            return CompositeHealthContributor.fromMap(indicators);
        }

    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean(RouterMeterBinder.class)
        RouterMeterBinder eventRouterMeterBinder(EventPublisher publisher) {
            return new RouterMeterBinder(publisher);
        }

        @Bean
        @ConditionalOnBean(ClientBridge.class)
        @ConditionalOnMissingBean(BridgeMeterBinder.class)
        BridgeMeterBinder eventRouterBridgeMeterBinder(ClientBridge bridge) {
            return new BridgeMeterBinder(bridge);
        }

    }

}
