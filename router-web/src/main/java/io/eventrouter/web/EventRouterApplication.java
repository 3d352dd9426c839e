package io.eventrouter.web;

import java.util.Map;

import io.eventrouter.bridge.ingest.RequestBodies;
import io.eventrouter.bridge.proxy.DecodingFailureBodies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Hooks;

/**
 * Runs Event Router as a standalone service. Everything it serves comes from
 * {@link io.eventrouter.web.autoconfigure.EventRouterAutoConfiguration}, the same configuration an
 * application gets when it embeds the router, so it scans no components of its own.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class EventRouterApplication {

    private static final Logger logger = LoggerFactory.getLogger(EventRouterApplication.class);

    public static void main(String[] args) {
        // A client's connection reset that arrives after its request failed reaches Reactor as a
        // dropped error, which Reactor logs at ERROR. The hook is global, so only the service sets it.
        Hooks.onErrorDropped(EventRouterApplication::logDroppedError);
        SpringApplication application = new SpringApplication(EventRouterApplication.class);
        application.setDefaultProperties(defaultProperties());
        application.addListeners(new DeadLetterStoreCheck());
        application.run(args);
    }

    /**
     * Returns the defaults of the standalone service only: a properties file in this jar would
     * also reach every application that embeds the router.
     */
    static Map<String, Object> defaultProperties() {
        // Graceful shutdown is Boot's default already; the service states it because the spool's
        // drain on SIGTERM relies on the web server finishing running requests first.
        // The shared Reactor Netty resources stop after the pipeline, so their default quiet period
        // of 2 s waits for nothing and only delays the stop.
        // Netty keeps a connection that sends nothing, or only part of its headers, open without
        // limit. 75 s outlasts the 60 s idle timeout of common load balancers, so they close first.
        // A first-party proxy on the site's domain receives the site's cookies, which can pass
        // Boot's 8 KB header limit. Browser SDKs retry the 431 and then drop the events.
        // That logger's one WARN is for a request Netty cannot decode, such as headers over the
        // limit. Any client can send those at will, so only its ERRORs are kept.
        // The service has no static files, and the resource handler logs a WARN for each path
        // with "../" in it, which any client can send too.
        // The client's logger writes a WARN with a stack trace for every connection a destination
        // resets after the request went out. The dispatcher already logs failed deliveries, with
        // at most one WARN a minute.
        return Map.of("spring.application.name", "event-router", "server.shutdown", "graceful",
                "spring.reactor.netty.shutdown-quiet-period", "0s", "server.netty.idle-timeout", "75s",
                "server.max-http-request-header-size", "32KB",
                "logging.level.reactor.netty.http.server.HttpServerOperations", "error",
                "logging.level.reactor.netty.http.client.HttpClientConnect", "error",
                "spring.web.resources.add-mappings", "false");
    }

    /**
     * Adds Amplitude's JSON error body and a CORS header to Netty's own responses to requests whose
     * headers or URL are too long. Only the service installs it: in an application that embeds the
     * router, the same server also serves the application's own paths.
     */
    @Bean
    NettyServerCustomizer eventRouterDecodingFailureBodies() {
        return (server) -> server.doOnChannelInit(new DecodingFailureBodies());
    }

    /**
     * Creates the handler that responds to requests matching no route with Amplitude's JSON
     * error body. Only the service installs it, because an application that embeds the router
     * serves its own paths.
     */
    @Bean
    UnknownPathBodies eventRouterUnknownPathBodies() {
        return new UnknownPathBodies();
    }

    /**
     * Creates the handler that ends, without a server error, a request whose handler failed
     * because Netty had already responded to it, on every path of the service.
     */
    @Bean
    AnsweredRequestErrors eventRouterAnsweredRequestErrors() {
        return new AnsweredRequestErrors();
    }

    /** Logs an error that arrived after its sequence ended: a departed client at DEBUG, anything else at ERROR. */
    static void logDroppedError(Throwable error) {
        if (RequestBodies.isClosedByClient(error)) {
            logger.debug("Client connection closed after its request ended: {}", error.toString());
        }
        else {
            logger.error("An error arrived after its sequence ended and was dropped", error);
        }
    }

}
