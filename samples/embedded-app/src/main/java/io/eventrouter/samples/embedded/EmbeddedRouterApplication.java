package io.eventrouter.samples.embedded;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A WebFlux application with the router inside it. Its page loads Amplitude's browser SDK and
 * points it at the application itself, where router-web serves the bridge under
 * {@code /amplitude}; its server code publishes through the in-process {@code EventPublisher}
 * bean. After login, browser and server events carry the same user id.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class EmbeddedRouterApplication {

    public static void main(String[] args) {
        SpringApplication.run(EmbeddedRouterApplication.class, args);
    }

}
