package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.eventrouter.core.pipeline.RetryPolicy;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigurationMetadataTests {

    /** A row of a property table in the guide: the property's name and its default cell. */
    private static final Pattern GUIDE_ROW = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\| ([^|]*) \\|");

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
    void batchDefaultsMatchProperties() throws IOException {
        JsonNode metadata = metadata();
        RouterProperties.Destinations destinations = new RouterProperties().getDestinations();

        assertThat(property(metadata, "router.destinations.amplitude.batch.max-bytes").get("defaultValue").longValue())
                .isEqualTo(destinations.getAmplitude().getBatch().getMaxBytes());
        assertThat(property(metadata, "router.destinations.file.batch.max-bytes").get("defaultValue").longValue())
                .isEqualTo(destinations.getFile().getBatch().getMaxBytes());
        assertThat(property(metadata, "router.destinations.file.batch.max-events").get("defaultValue").intValue())
                .isEqualTo(destinations.getFile().getBatch().getMaxEvents());
    }

    @Test
    void configurationGuideShowsMetadataDefaults() throws IOException {
        Map<String, String> guideDefaults = new HashMap<>();
        Matcher row = GUIDE_ROW.matcher(Files.readString(Path.of("..", "docs", "configuration.md")));
        while (row.find()) {
            guideDefaults.put(row.group(1), row.group(2));
        }
        List<String> mismatches = new ArrayList<>();

        metadata().get("properties").forEach((property) -> {
            JsonNode value = property.get("defaultValue");
            String name = property.get("name").stringValue();
            // The guide leaves the cell of an empty default blank.
            if (value != null && !defaultText(value).isEmpty()) {
                String expected = "`" + defaultText(value) + "`";
                if (!guideDefaults.getOrDefault(name, "").startsWith(expected)) {
                    mismatches.add(name + ": metadata " + expected + ", guide '" + guideDefaults.get(name) + "'");
                }
            }
        });

        assertThat(mismatches).isEmpty();
    }

    /** Returns a metadata default as the guide writes it: a list as its items joined by commas. */
    private static String defaultText(JsonNode value) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach((item) -> items.add(item.asString()));
            return String.join(",", items);
        }
        return value.asString();
    }

    @Test
    void configurationGuideListsEveryProperty() throws IOException {
        String guide = Files.readString(Path.of("..", "docs", "configuration.md"));

        assertThat(names(metadata())).allSatisfy((name) -> assertThat(guide).contains("`" + name + "`"));
    }

}
