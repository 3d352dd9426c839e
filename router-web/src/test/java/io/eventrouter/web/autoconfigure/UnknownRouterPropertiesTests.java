package io.eventrouter.web.autoconfigure;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

class UnknownRouterPropertiesTests {

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }

    @Test
    void namesMisspeltProperties() {
        StandardEnvironment environment = environment(Map.of("router.destinations.amplitud.enabled", "true",
                "router.spool.maxSize", "1GB", "server.port", "8080"));

        assertThat(UnknownRouterProperties.find(environment, getClass().getClassLoader()))
                .containsExactly("router.destinations.amplitud.enabled");
    }

    @Test
    void acceptsListsMapsAndEnvironmentVariables() {
        StandardEnvironment environment = environment(Map.of("router.bridge.api-keys[0]", "key-1",
                "router.bridge.api-key-mapping.public-key", "project-key",
                "router.identity.first-party.domains", "example.com"));
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("variables",
                Map.of("ROUTER_SPOOL_MAXSIZE", "2GB", "ROUTER_DESTINATIONS_AMPLITUDE_ENABLED", "true")));

        assertThat(UnknownRouterProperties.find(environment, getClass().getClassLoader())).isEmpty();
    }

}
