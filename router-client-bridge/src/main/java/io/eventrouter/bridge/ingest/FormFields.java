package io.eventrouter.bridge.ingest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The fields of an {@code application/x-www-form-urlencoded} body, decoded as UTF-8. Parsed here
 * rather than by WebFlux's form reader because that reader caps bodies at 256 KB, below the
 * limits the bridge enforces itself, and because legacy SDKs may label a form body as JSON.
 */
final class FormFields {

    private final Map<String, String> fields;

    private FormFields(Map<String, String> fields) {
        this.fields = fields;
    }

    /** Parses a form body; the first occurrence of a repeated field wins. */
    static FormFields parse(byte[] body) {
        Map<String, String> fields = new LinkedHashMap<>();
        String text = new String(body, StandardCharsets.UTF_8);
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode((equals < 0) ? pair : pair.substring(0, equals));
            String value = (equals < 0) ? "" : decode(pair.substring(equals + 1));
            fields.putIfAbsent(name, value);
        }
        return new FormFields(fields);
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException ex) {
            // A stray '%' is kept as typed instead of failing the whole request.
            return text;
        }
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(this.fields.get(name));
    }

    FormFields withDefaults(Map<String, String> defaults) {
        Map<String, String> merged = new LinkedHashMap<>(this.fields);
        defaults.forEach(merged::putIfAbsent);
        return new FormFields(merged);
    }

}
