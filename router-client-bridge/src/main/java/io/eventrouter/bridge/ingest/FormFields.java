package io.eventrouter.bridge.ingest;

import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.eventrouter.core.amplitude.UploadRejectedException;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * The fields of an {@code application/x-www-form-urlencoded} body, decoded in the charset the
 * request declares, UTF-8 by default. Parsed here rather than by WebFlux's form reader because
 * that reader caps bodies at 256 KB, below the limits the bridge enforces itself, and because
 * legacy SDKs may label a form body as JSON.
 */
final class FormFields {

    private final Map<String, String> fields;

    private FormFields(Map<String, String> fields) {
        this.fields = fields;
    }

    /**
     * Reads the body of {@code request} with {@link RequestBodies#read} and parses it in the
     * charset its {@code Content-Type} declares. A {@code multipart/form-data} body is rejected
     * with a 415 that names the type to send, since its fields would otherwise read as missing.
     */
    static Mono<FormFields> read(ServerRequest request, int maxBodyBytes, Duration readTimeout) {
        Charset charset;
        try {
            if (isMultipart(request)) {
                throw RequestBodies.rejected(415, "multipart/form-data is not supported: send the fields as "
                        + "application/x-www-form-urlencoded");
            }
            charset = RequestBodies.charset(request);
        }
        catch (UploadRejectedException ex) {
            return Mono.error(ex);
        }
        return RequestBodies.read(request, maxBodyBytes, readTimeout)
                .map((body) -> parse(body, charset));
    }

    private static boolean isMultipart(ServerRequest request) {
        String contentType = request.headers().asHttpHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
        return contentType != null && contentType.trim().toLowerCase(Locale.ROOT).startsWith("multipart/");
    }

    /** Returns a form without fields, for a request that has no body. */
    static FormFields empty() {
        return new FormFields(Map.of());
    }

    /**
     * Parses a form body in {@code charset}, which applies both to the raw bytes and to the
     * bytes that percent escapes encode. The first occurrence of a repeated field wins.
     */
    static FormFields parse(byte[] body, Charset charset) {
        Map<String, String> fields = new LinkedHashMap<>();
        String text = new String(body, charset);
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode((equals < 0) ? pair : pair.substring(0, equals), charset);
            String value = (equals < 0) ? "" : decode(pair.substring(equals + 1), charset);
            fields.putIfAbsent(name, value);
        }
        return new FormFields(fields);
    }

    private static String decode(String text, Charset charset) {
        try {
            return URLDecoder.decode(text, charset);
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
