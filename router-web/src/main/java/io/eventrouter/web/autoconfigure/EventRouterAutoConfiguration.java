package io.eventrouter.web.autoconfigure;

import java.util.List;
import java.util.Objects;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.bridge.ingest.ApiKeyPolicy;
import io.eventrouter.bridge.privacy.TrustedProxies;
import io.eventrouter.bridge.proxy.CorsPolicy;
import io.eventrouter.core.amplitude.AmplitudeDestination;
import io.eventrouter.core.deadletter.DeadLetterStore;
import io.eventrouter.core.deadletter.MVStoreDeadLetterStore;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.file.JsonLinesFileDestination;
import io.eventrouter.core.identity.IdentityLookup;
import io.eventrouter.core.pipeline.BatchPolicy;
import io.eventrouter.core.pipeline.DispatchPipeline;
import io.eventrouter.core.pipeline.EventTransformer;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.MVStoreSpool;
import io.eventrouter.core.spool.MemorySpool;
import io.eventrouter.core.spool.Spool;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.web.admin.AdminRoutes;
import io.eventrouter.web.admin.AdminServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.function.server.support.RouterFunctionMapping;
import reactor.core.publisher.Mono;

/**
 * Wires Event Router from {@code router.*} properties: the destinations, the spool, the dead-letter
 * store, the dispatch pipeline with one source for the client bridge and one for the server SDK,
 * the bridge's routes in a reactive web application, an in-process {@link EventPublisher}, and,
 * when {@code router.admin.token} is set, the admin endpoints, on the main port or on
 * {@code router.admin.port}. The pipeline's meters go to the application's {@link MeterRegistry}
 * when it has one. Every bean steps aside when the application defines its own.
 */
@AutoConfiguration
@EnableConfigurationProperties(RouterProperties.class)
public final class EventRouterAutoConfiguration {

    @Bean
    static UnknownRouterProperties eventRouterUnknownProperties(ConfigurableEnvironment environment) {
        return new UnknownRouterProperties(environment);
    }

    /** The source the client bridge submits to. */
    public static final SourceId CLIENT_BRIDGE = SourceId.of("client-bridge");

    /** The source the in-process server SDK submits to. */
    public static final SourceId SERVER_SDK = SourceId.of("server-sdk");

    static final DestinationId AMPLITUDE = DestinationId.of("amplitude");

    static final DestinationId FILE = DestinationId.of("file");

    @Bean
    @ConditionalOnMissingBean
    Spool eventRouterSpool(RouterProperties properties, ObjectProvider<Destination> destinations) {
        List<DestinationId> ids = destinations.orderedStream().map(Destination::id).toList();
        if (ids.isEmpty()) {
            throw new NoDestinationException();
        }
        RouterProperties.Spool spool = properties.getSpool();
        if (spool.getType() == RouterProperties.Spool.Type.MEMORY) {
            return new MemorySpool(spool.getCapacity(), ids);
        }
        return MVStoreSpool.builder(spool.getPath())
                .destinations(ids)
                .maxBytes(spool.getMaxSize().toBytes())
                .syncPolicy(spool.getSync())
                .syncInterval(spool.getSyncInterval())
                .checkpointInterval(spool.getCheckpointInterval())
                .build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    DeadLetterStore eventRouterDeadLetterStore(RouterProperties properties) {
        return MVStoreDeadLetterStore.open(properties.getDeadLetters().getPath());
    }

    @Bean
    @ConditionalOnMissingBean
    DispatchPipeline eventRouterPipeline(RouterProperties properties, Spool spool,
            ObjectProvider<Destination> destinations, DeadLetterStore deadLetters,
            ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<EventTransformer> transformers) {
        RouterProperties.Pipeline settings = properties.getPipeline();
        DispatchPipeline.Builder builder = DispatchPipeline.builder()
                .spool(spool)
                .source(CLIENT_BRIDGE)
                .source(SERVER_SDK)
                .retryPolicy(settings.getRetry().toPolicy())
                .maxProbeInterval(settings.getRetry().getMaxProbeInterval())
                .deliveryTimeout(settings.getDeliveryTimeout())
                .sourceQueueCapacity(settings.getSourceQueueCapacity())
                .duplicateWindow(settings.getDuplicateWindow().getSize(), settings.getDuplicateWindow().getMaxAge())
                .shutdownGracePeriod(settings.getShutdownGracePeriod())
                .maxHeldEvents(settings.getMaxHeldEvents())
                .maxDeliveriesInFlight(settings.getMaxDeliveriesInFlight())
                .deadLetterStore(deadLetters)
                .meterRegistry(meterRegistry.getIfAvailable(() -> Metrics.globalRegistry));
        DataSize maxHeldBytes = settings.getMaxHeldBytes();
        if (maxHeldBytes != null) {
            builder.maxHeldBytes(maxHeldBytes.toBytes());
        }
        destinations.orderedStream()
                .forEach((destination) -> builder.destination(destination, batchPolicy(properties, destination.id())));
        transformers.orderedStream().forEach(builder::transformer);
        return builder.build();
    }

    private static BatchPolicy batchPolicy(RouterProperties properties, DestinationId id) {
        if (id.equals(AMPLITUDE)) {
            RouterProperties.Amplitude amplitude = properties.getDestinations().getAmplitude();
            try {
                return AmplitudeDestination.requireWithinLimits(amplitude.getBatch().toPolicy(),
                        amplitude.isBatchApi());
            }
            catch (IllegalArgumentException ex) {
                throw new IllegalStateException("router.destinations.amplitude.batch is invalid: " + ex.getMessage()
                        + "; lower max-events or max-bytes", ex);
            }
        }
        if (id.equals(FILE)) {
            return properties.getDestinations().getFile().getBatch().toPolicy();
        }
        return BatchPolicy.defaults();
    }

    @Bean
    @ConditionalOnMissingBean
    PipelineLifecycle eventRouterPipelineLifecycle(DispatchPipeline pipeline) {
        return new PipelineLifecycle(pipeline);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    EventPublisher eventRouterPublisher(RouterProperties properties, DispatchPipeline pipeline) {
        RouterProperties.Sdk sdk = properties.getSdk();
        EventPublisher.Builder builder = EventPublisher.builder()
                .bufferCapacity(sdk.getBufferCapacity())
                .overflowPolicy(sdk.getOverflowPolicy())
                .closeTimeout(sdk.getCloseTimeout());
        if (sdk.getEndpoint() != null) {
            builder.http(sdk.getEndpoint()).compression(sdk.isCompression());
        }
        else {
            builder.inProcess(pipeline.source(SERVER_SDK));
        }
        if (sdk.getApiKey() != null && !sdk.getApiKey().isBlank()) {
            builder.apiKey(sdk.getApiKey());
        }
        return builder.build();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "router.destinations.amplitude.enabled", havingValue = "true")
    static class AmplitudeDestinationConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        AmplitudeDestination eventRouterAmplitudeDestination(RouterProperties properties) {
            RouterProperties.Amplitude amplitude = properties.getDestinations().getAmplitude();
            return AmplitudeDestination.builder()
                    .id(AMPLITUDE)
                    .url(amplitude.getUrl())
                    .batchApi(amplitude.isBatchApi())
                    .timeout(amplitude.getTimeout())
                    .throttlePause(amplitude.getThrottlePause())
                    .build();
        }

    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(OnFileDestinationCondition.class)
    static class FileDestinationConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        JsonLinesFileDestination eventRouterFileDestination(RouterProperties properties) {
            return new JsonLinesFileDestination(FILE, properties.getDestinations().getFile().getPath());
        }

    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "router.admin.token")
    static class AdminConfiguration {

        @Bean
        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
        @ConditionalOnExpression("'${router.admin.port:}' == ''")
        RouterFunction<ServerResponse> eventRouterAdminRoutes(RouterProperties properties, DispatchPipeline pipeline,
                ObjectProvider<IdentityLookup> identities) {
            return adminRoutes(properties, pipeline, identities);
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnProperty(name = "router.admin.port")
        AdminServer eventRouterAdminServer(RouterProperties properties, DispatchPipeline pipeline,
                ObjectProvider<IdentityLookup> identities) {
            RouterProperties.Admin admin = properties.getAdmin();
            return new AdminServer(admin.getAddress(), Objects.requireNonNull(admin.getPort()),
                    adminRoutes(properties, pipeline, identities));
        }

        private static RouterFunction<ServerResponse> adminRoutes(RouterProperties properties,
                DispatchPipeline pipeline, ObjectProvider<IdentityLookup> identities) {
            RouterProperties.Admin admin = properties.getAdmin();
            return AdminRoutes.of(pipeline, identities.getIfAvailable(), admin.getPathPrefix(),
                    Objects.requireNonNull(admin.getToken()), properties.getBridge().getReadTimeout());
        }

    }

    /**
     * The bridge in any web application. A reactive application serves its routes on its own
     * port; a Servlet application gets {@link BridgeServer} from
     * {@link ServletBridgeAutoConfiguration}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication
    @ConditionalOnProperty(name = "router.bridge.enabled", havingValue = "true", matchIfMissing = true)
    static class ClientBridgeConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ClientBridge eventRouterClientBridge(RouterProperties properties, DispatchPipeline pipeline,
                ObjectProvider<WebClient.Builder> webClient,
                ObjectProvider<ClientBridgeSourceCustomizer> customizers,
                ObjectProvider<ClientBridgeBuilderCustomizer> builderCustomizers) {
            RouterProperties.Bridge bridge = properties.getBridge();
            RouterProperties.Limits limits = bridge.getLimits();
            Source source = pipeline.source(CLIENT_BRIDGE);
            for (ClientBridgeSourceCustomizer customizer : customizers.orderedStream().toList()) {
                source = customizer.customize(source);
            }
            ClientBridge.Builder builder = ClientBridge.builder(source)
                    .pathPrefix(bridge.getPathPrefix())
                    .allowedOrigins(bridge.getAllowedOrigins())
                    .corsMaxAge(bridge.getCorsMaxAge())
                    .apiKeys(ApiKeyPolicy.of(bridge.getApiKeys(), bridge.getApiKeyMapping()))
                    .trustedProxies(TrustedProxies.of(bridge.getTrustedProxies()))
                    .httpApiMaxBodyBytes(Math.toIntExact(bridge.getHttpApiMaxBodySize().toBytes()))
                    .batchApiMaxBodyBytes(Math.toIntExact(bridge.getBatchApiMaxBodySize().toBytes()))
                    .maxEvents(bridge.getMaxEventsPerRequest())
                    .readTimeout(bridge.getReadTimeout())
                    .requestsPerSecondPerAddress(limits.getRequestsPerSecondPerAddress())
                    .requestsPerSecondPerApiKey(limits.getRequestsPerSecondPerApiKey())
                    .maxRequestsInFlight(limits.getMaxRequestsInFlight())
                    .maxConnections(limits.getMaxConnections())
                    .eventsPerSecondPerId(limits.getEventsPerSecondPerId())
                    .throttleWindow(limits.getThrottleWindow())
                    .experimentUrl(bridge.getExperiment().getUrl())
                    .experimentFlagsUrl(bridge.getExperiment().getFlagsUrl())
                    .upstreamTimeout(bridge.getExperiment().getTimeout())
                    .remoteConfigUrl(bridge.getRemoteConfig().getUrl())
                    .webClient(webClient.getIfAvailable(WebClient::builder));
            if (limits.getMaxBodyBytesInFlight() != null) {
                builder.maxBodyBytesInFlight(limits.getMaxBodyBytesInFlight().toBytes());
            }
            builderCustomizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
            return builder.build();
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
        static class ReactiveRoutesConfiguration {

            @Bean
            RouterFunction<ServerResponse> eventRouterBridgeRoutes(ClientBridge bridge) {
                return bridge.servedRoutes();
            }

            /**
             * Maps the methods the bridge does not serve on its paths at the root, after the
             * application's own handlers, so that those keep their routes on the same paths. A
             * mapping of its own rather than a {@code RouterFunction} bean, which WebFlux would
             * consult before the application's controllers.
             */
            @Bean
            RouterFunctionMapping eventRouterBridgeUnservedMethods(ClientBridge bridge,
                    ObjectProvider<ServerCodecConfigurer> codecs) {
                RouterFunctionMapping mapping = new RouterFunctionMapping(bridge.unservedMethodRoutes()
                        .orElseGet(() -> (request) -> Mono.empty()));
                mapping.setMessageReaders(codecs.getIfAvailable(ServerCodecConfigurer::create).getReaders());
                // After the application's controllers (order 0), before static resources.
                mapping.setOrder(Ordered.LOWEST_PRECEDENCE - 10);
                return mapping;
            }

            @Bean
            CorsPolicy eventRouterBridgeCorsPolicy(ClientBridge bridge) {
                return bridge.corsPolicy();
            }

        }

        /** Counts the connections of the application's Reactor Netty server when the bridge caps them. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
        @ConditionalOnClass(name = "org.springframework.boot.reactor.netty.NettyServerCustomizer")
        static class ReactorNettyConnectionLimitConfiguration {

            @Bean
            NettyServerCustomizer eventRouterBridgeConnectionLimit(ClientBridge bridge) {
                return (server) -> bridge.connectionLimit().map(server::doOnChannelInit).orElse(server);
            }

        }

    }

}
