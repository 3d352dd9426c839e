package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.eventrouter.core.pipeline.RetryPolicy;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigurationMetadataTests {

    private static JsonNode metadata() throws IOException {
        try (InputStream in = ConfigurationMetadataTests.class
                .getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated configuration metadata").isNotNull();
            return JsonMapper.builder().build().readTree(in);
        }
    }

    private static List<String> names(JsonNode metadata) {
        List<String> names = new ArrayList<>();
        metadata.get("properties").forEach((property) -> names.add(property.get("name").stringValue()));
        return names;
    }

    private static JsonNode property(JsonNode metadata, String name) {
        for (JsonNode property : metadata.get("properties")) {
            if (property.get("name").stringValue().equals(name)) {
                return property;
            }
        }
        throw new AssertionError("No property " + name + " in the configuration metadata");
    }

    @Test
    void everyPropertyHasDescription() throws IOException {
        List<String> undescribed = new ArrayList<>();

        metadata().get("properties").forEach((property) -> {
            JsonNode description = property.get("description");
            if (description == null || description.stringValue().isBlank()) {
                undescribed.add(property.get("name").stringValue());
            }
        });

        assertThat(undescribed).isEmpty();
    }

    @Test
    void metadataListsStarterProperties() throws IOException {
        List<String> names = names(metadata());

        assertThat(names).contains("router.bridge.port", "router.bridge.address", "router.sdk.api-key",
                "router.sdk.endpoint", "router.sdk.buffer-capacity", "router.sdk.overflow-policy",
                "router.sdk.close-timeout");
    }

    @Test
    void batchDefaultsComeFromAdditionalMetadata() throws IOException {
        JsonNode amplitudeBatch = null;
        for (JsonNode property : metadata().get("properties")) {
            if (property.get("name").stringValue().equals("router.destinations.amplitude.batch.max-events")) {
                amplitudeBatch = property;
            }
        }

        assertThat(amplitudeBatch).isNotNull();
        assertThat(amplitudeBatch.get("defaultValue").intValue()).isEqualTo(500);
    }

    @Test
    void retryDefaultMatchesRetryPolicy() throws IOException {
        JsonNode maxAttempts = property(metadata(), "router.pipeline.retry.max-attempts");

        assertThat(maxAttempts.get("defaultValue").intValue()).isEqualTo(RetryPolicy.defaults().maxAttempts());
    }

    @Test
    void configurationGuideListsEveryProperty() throws IOException {
        String guide = Files.readString(Path.of("..", "docs", "configuration.md"));

        assertThat(names(metadata())).allSatisfy((name) -> assertThat(guide).contains("`" + name + "`"));
    }

}
