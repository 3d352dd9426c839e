package io.eventrouter.web.autoconfigure;

import java.time.Clock;
import java.time.InstantSource;
import java.util.Objects;

import io.eventrouter.bridge.identity.FirstPartyCookieFilter;
import io.eventrouter.bridge.identity.FirstPartyLinkingSource;
import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.ExperimentUserFiller;
import io.eventrouter.core.identity.FirstPartyDeviceLinker;
import io.eventrouter.core.identity.IdentityLookup;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.identity.IdentityStitcher;
import io.eventrouter.core.identity.IdentityStore;
import io.eventrouter.core.identity.redis.RedisIdentityStore;
import io.eventrouter.core.pipeline.EventTransformer;
import io.eventrouter.web.identity.RequestIdentityPublisherPostProcessor;
import io.eventrouter.web.identity.RequestIdentityServletFilter;
import io.eventrouter.web.identity.RequestIdentityWebFilter;
import io.lettuce.core.RedisURI;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires identity stitching from {@code router.identity.*}: an identity store, the
 * {@link IdentityStitcher}, and an {@link EventTransformer} that the pipeline applies in its
 * acceptance stage, before the spool. Every bean steps aside when the application defines its own.
 */
@AutoConfiguration(before = EventRouterAutoConfiguration.class)
@EnableConfigurationProperties(IdentityProperties.class)
@ConditionalOnProperty(name = "router.identity.enabled", havingValue = "true", matchIfMissing = true)
public final class IdentityAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdentityStitcher eventRouterIdentityStitcher(IdentityProperties properties, IdentityStore store) {
        return IdentityStitcher.builder(store)
                .sessionWindow(properties.getSessionWindow())
                .storeTimeout(properties.getStoreTimeout())
                .build();
    }

    @Bean
    @ConditionalOnMissingBean(name = "eventRouterIdentityTransformer")
    EventTransformer eventRouterIdentityTransformer(IdentityStitcher stitcher) {
        return (source, events) -> stitcher.stitch(events);
    }

    /** The identity lookup, which the admin endpoints under {@code router.admin.*} serve. */
    @Bean
    @ConditionalOnMissingBean
    IdentityLookup eventRouterIdentityLookup(IdentityStore store) {
        return new IdentityLookup(store);
    }

    /**
     * Completes the users of Experiment evaluation requests that the bridge forwards with the ids
     * linked in the configured project.
     */
    @Bean
    @ConditionalOnProperty(name = "router.identity.experiment.api-key")
    ClientBridgeBuilderCustomizer eventRouterExperimentUserFilling(IdentityProperties properties, IdentityStore store) {
        IdentityScope scope = IdentityScope.ofApiKey(Objects.requireNonNull(properties.getExperiment().getApiKey()));
        ExperimentUserFiller filler = new ExperimentUserFiller(store, properties.getStoreTimeout());
        return (builder) -> builder.experimentUserFiller(filler, scope);
    }

    /**
     * Carries the ids of the browser request being handled to the server events published
     * meanwhile, in a web application that embeds the router: a reactive one through the
     * Reactor context, a Servlet one through a binding on the request's thread.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication
    @ConditionalOnProperty(name = "router.identity.request-context.enabled", havingValue = "true",
            matchIfMissing = true)
    static class RequestContextConfiguration {

        @Bean
        static RequestIdentityPublisherPostProcessor eventRouterRequestIdentityPublisherPostProcessor() {
            return new RequestIdentityPublisherPostProcessor();
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
        static class ReactiveConfiguration {

            @Bean
            @ConditionalOnMissingBean
            RequestIdentityWebFilter eventRouterRequestIdentityWebFilter() {
                return new RequestIdentityWebFilter();
            }

        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
        @ConditionalOnClass(name = "jakarta.servlet.Filter")
        static class ServletConfiguration {

            @Bean
            @ConditionalOnMissingBean
            RequestIdentityServletFilter eventRouterRequestIdentityServletFilter() {
                return new RequestIdentityServletFilter();
            }

        }

    }

    /**
     * Sets the first-party device cookie on bridge requests and links uploads to it. Off by
     * default, because the cookie helps only where the bridge shares the site's domain.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnProperty(name = "router.identity.first-party.enabled", havingValue = "true")
    static class FirstPartyConfiguration {

        @Bean
        @ConditionalOnMissingBean
        FirstPartyDeviceLinker eventRouterFirstPartyDeviceLinker(IdentityProperties properties, IdentityStore store) {
            return new FirstPartyDeviceLinker(store, properties.getFirstParty().getStorageExpiryGap(),
                    InstantSource.system());
        }

        @Bean
        @ConditionalOnMissingBean
        FirstPartyCookieFilter eventRouterFirstPartyCookieFilter(IdentityProperties properties,
                RouterProperties routerProperties) {
            IdentityProperties.FirstParty firstParty = properties.getFirstParty();
            if (firstParty.getDomains().isEmpty()) {
                throw new IllegalStateException("router.identity.first-party.domains must name the site domains "
                        + "the cookie is set for, such as 'example.com', but was empty");
            }
            return new FirstPartyCookieFilter(new FirstPartyCookieFilter.Settings(firstParty.getCookieName(),
                    firstParty.getDomains(), routerProperties.getBridge().getPathPrefix(),
                    firstParty.getRefreshInterval(), firstParty.getConsentCookie(),
                    firstParty.getConsentDeniedValues()), Clock.systemUTC());
        }

        @Bean
        ClientBridgeSourceCustomizer eventRouterFirstPartyLinking(FirstPartyDeviceLinker linker) {
            return (source) -> new FirstPartyLinkingSource(source, linker);
        }

    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "router.identity.store", havingValue = "embedded", matchIfMissing = true)
    static class EmbeddedStoreConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        IdentityStore eventRouterIdentityStore(IdentityProperties properties) {
            IdentityProperties.Embedded embedded = properties.getEmbedded();
            return embedded.isPersistent()
                    ? EmbeddedIdentityStore.open(embedded.getDirectory(), embedded.getMaxLinks())
                    : EmbeddedIdentityStore.inMemory(embedded.getMaxLinks());
        }

    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RedisURI.class)
    @ConditionalOnProperty(name = "router.identity.store", havingValue = "redis")
    static class RedisStoreConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        IdentityStore eventRouterIdentityStore(IdentityProperties properties) {
            IdentityProperties.Redis redis = properties.getRedis();
            return RedisIdentityStore.connect(redisUri(redis.getUrl()), redis.getKeyPrefix(), redis.getRetention());
        }

        /** Parses the store's URL, or fails the start with a report that names the property. */
        private static RedisURI redisUri(String url) {
            try {
                return RedisURI.create(url);
            }
            catch (IllegalArgumentException ex) {
                throw new InvalidConfigurationPropertyValueException("router.identity.redis.url", url,
                        "Expected a redis:// or rediss:// URL, such as redis://127.0.0.1:6379 (" + ex.getMessage() + ")");
            }
        }

    }

}
