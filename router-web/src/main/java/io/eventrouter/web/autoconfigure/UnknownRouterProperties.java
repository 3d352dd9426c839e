package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Logs one WARN at start-up naming each {@code router.*} property that no setting of the router
 * reads, such as a misspelt {@code router.destinations.amplitud.enabled}. Spring Boot ignores
 * such a property, so a router would otherwise start without the setting and without a word.
 * The known names come from the configuration metadata in the router's jars.
 */
final class UnknownRouterProperties implements SmartInitializingSingleton {

    private static final Logger logger = LoggerFactory.getLogger(UnknownRouterProperties.class);

    private static final String METADATA = "META-INF/spring-configuration-metadata.json";

    private final ConfigurableEnvironment environment;

    UnknownRouterProperties(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Set<String> unknown = find(this.environment, getClass().getClassLoader());
        if (!unknown.isEmpty()) {
            logger.warn("Ignoring router properties that no setting reads, so check their spelling against "
                    + "docs/configuration.md: {}", String.join(", ", unknown));
        }
    }

    /** Returns the {@code router.*} properties of the environment that the metadata does not list. */
    static Set<String> find(ConfigurableEnvironment environment, ClassLoader classLoader) {
        Known known = Known.load(classLoader);
        Set<String> unknown = new TreeSet<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource names) {
                names.stream()
                        .map(Object::toString)
                        .filter((name) -> name.startsWith("router."))
                        .filter((name) -> !known.contains(name))
                        .forEach(unknown::add);
            }
        }
        return unknown;
    }

    /**
     * The property names of the metadata, compared without dashes and case, as environment
     * variables name them, and the names of maps, whose keys the application chooses.
     */
    private record Known(Set<String> names, List<String> maps) {

        static Known load(ClassLoader classLoader) {
            Set<String> names = new HashSet<>();
            List<String> maps = new ArrayList<>();
            JsonMapper mapper = JsonMapper.builder().build();
            try {
                Enumeration<URL> resources = classLoader.getResources(METADATA);
                while (resources.hasMoreElements()) {
                    try (InputStream in = resources.nextElement().openStream()) {
                        for (JsonNode property : mapper.readTree(in).path("properties")) {
                            String name = normalized(property.path("name").asString());
                            names.add(name);
                            if (property.path("type").asString().startsWith("java.util.Map")) {
                                maps.add(name + ".");
                            }
                        }
                    }
                }
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Failed to read " + METADATA, ex);
            }
            return new Known(names, maps);
        }

        boolean contains(String name) {
            String plain = normalized(name.replaceAll("\\[[^]]*]", ""));
            return this.names.contains(plain) || this.maps.stream().anyMatch(plain::startsWith);
        }

        private static String normalized(String name) {
            return name.replace("-", "").toLowerCase(Locale.ROOT);
        }

    }

}
