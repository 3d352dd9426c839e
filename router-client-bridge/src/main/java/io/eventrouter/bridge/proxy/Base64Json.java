package io.eventrouter.bridge.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the base64-encoded JSON of Experiment's {@code X-Amp-Exp-User} and
 * {@code X-Amp-Exp-Flag-Keys} headers in any alphabet Experiment clients use: the JavaScript
 * client sends URL-safe base64 without padding, the Android client URL-safe with padding, the
 * JVM and old Node clients standard base64.
 */
final class Base64Json {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Base64Json() {
    }

    /**
     * Returns the header's value re-encoded as standard, padded base64 of the same JSON, which
     * every Experiment server accepts, or empty when it is not base64 of a JSON value.
     */
    static Optional<String> normalize(String header) {
        String text = header.trim().replace('-', '+').replace('_', '/');
        int remainder = text.length() % 4;
        if (remainder == 1) {
            return Optional.empty();
        }
        if (remainder > 0) {
            text = text + "=".repeat(4 - remainder);
        }
        try {
            byte[] json = Base64.getDecoder().decode(text);
            JSON.readTree(new String(json, StandardCharsets.UTF_8));
            return Optional.of(Base64.getEncoder().encodeToString(json));
        }
        catch (IllegalArgumentException | JacksonException ex) {
            return Optional.empty();
        }
    }

}
