package io.eventrouter.bridge.ingest;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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

    private final Set<String> malformed;

    private FormFields(Map<String, String> fields, Set<String> malformed) {
        this.fields = fields;
        this.malformed = malformed;
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
        return new FormFields(Map.of(), Set.of());
    }

    /**
     * Parses a form body in {@code charset}, which applies both to the raw bytes and to the
     * bytes that percent escapes encode. The first occurrence of a repeated field wins. A field
     * whose bytes are not valid in the charset is kept with replacement characters and reported
     * by {@link #isMalformed}, since two such ids would otherwise read as one.
     */
    static FormFields parse(byte[] body, Charset charset) {
        Map<String, String> fields = new LinkedHashMap<>();
        Set<String> malformed = new HashSet<>();
        if (!isAsciiCompatible(charset)) {
            // Such as UTF-16, whose delimiters are not single bytes. Amplitude's SDKs send UTF-8 forms.
            String text = new String(body, charset);
            for (String pair : text.split("&")) {
                if (!pair.isEmpty()) {
                    int equals = pair.indexOf('=');
                    fields.putIfAbsent(decode((equals < 0) ? pair : pair.substring(0, equals), charset),
                            (equals < 0) ? "" : decode(pair.substring(equals + 1), charset));
                }
            }
            return new FormFields(fields, malformed);
        }
        int start = 0;
        while (start <= body.length) {
            int end = indexOf(body, (byte) '&', start, body.length);
            if (end > start) {
                int equals = indexOf(body, (byte) '=', start, end);
                Field name = unescape(body, start, equals, charset);
                Field value = (equals < end) ? unescape(body, equals + 1, end, charset) : new Field("", true);
                if (!fields.containsKey(name.text)) {
                    fields.put(name.text, value.text);
                    if (!name.valid || !value.valid) {
                        malformed.add(name.text);
                    }
                }
            }
            start = end + 1;
        }
        return new FormFields(fields, malformed);
    }

    /** Returns whether the charset encodes the form's delimiters as the single bytes of ASCII. */
    private static boolean isAsciiCompatible(Charset charset) {
        return Arrays.equals("%&+=".getBytes(charset), new byte[] { '%', '&', '+', '=' });
    }

    private static int indexOf(byte[] bytes, byte target, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == target) {
                return i;
            }
        }
        return to;
    }

    /**
     * Decodes one name or value: {@code +} is a space and {@code %XX} a byte. A {@code %} that
     * does not start an escape is kept as typed instead of failing the whole request.
     */
    private static Field unescape(byte[] body, int from, int to, Charset charset) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte current = body[i];
            int escaped = (current == '%') ? hex(body, i + 1, to) : -1;
            if (current == '+') {
                bytes.write(' ');
            }
            else if (escaped >= 0) {
                bytes.write(escaped);
                i += 2;
            }
            else {
                bytes.write(current);
            }
        }
        byte[] decoded = bytes.toByteArray();
        try {
            String text = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(decoded))
                    .toString();
            return new Field(text, true);
        }
        catch (CharacterCodingException ex) {
            return new Field(new String(decoded, charset), false);
        }
    }

    /** Returns the byte that the two hex digits at {@code at} encode, or -1 if there are not two. */
    private static int hex(byte[] body, int at, int to) {
        if (at + 1 >= to) {
            return -1;
        }
        int high = Character.digit(body[at], 16);
        int low = Character.digit(body[at + 1], 16);
        return (high < 0 || low < 0) ? -1 : (high << 4) | low;
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

    /** Returns whether the field's bytes were not valid in the form's charset. */
    boolean isMalformed(String name) {
        return this.malformed.contains(name);
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(this.fields.get(name));
    }

    /** Returns the fields of the request's query string, parsed as a UTF-8 form. */
    static FormFields ofQuery(ServerRequest request) {
        String query = request.uri().getRawQuery();
        return (query != null) ? parse(query.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8) : empty();
    }

    /** Returns these fields, and those of {@code defaults} that these lack. */
    FormFields withDefaults(FormFields defaults) {
        Map<String, String> merged = new LinkedHashMap<>(this.fields);
        Set<String> malformed = new HashSet<>(this.malformed);
        defaults.fields.forEach((name, value) -> {
            if (merged.putIfAbsent(name, value) == null && defaults.malformed.contains(name)) {
                malformed.add(name);
            }
        });
        return new FormFields(merged, malformed);
    }

    /** A decoded name or value, and whether its bytes were valid in the form's charset. */
    private record Field(String text, boolean valid) {
    }

}
