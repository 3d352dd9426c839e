package io.eventrouter.web;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * Runs Event Router as a standalone service. Everything it serves comes from
 * {@link io.eventrouter.web.autoconfigure.EventRouterAutoConfiguration}, the same configuration an
 * application gets when it embeds the router, so it scans no components of its own.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class EventRouterApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(EventRouterApplication.class);
        // Defaults of the standalone service only: a properties file in this jar would also
        // reach every application that embeds the router.
        // Graceful shutdown is Boot's default already; the service states it because the spool's
        // drain on SIGTERM relies on the web server finishing running requests first.
        application.setDefaultProperties(Map.of("spring.application.name", "event-router",
                "server.shutdown", "graceful"));
        application.run(args);
    }

}
