package io.eventrouter.core.amplitude;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code Retry-After} header of an Amplitude-compatible response, for the router's
 * Amplitude destination and the server SDK's HTTP transport alike.
 */
public final class RetryAfter {

    /** A server asking for a longer wait is capped here, so one bad header cannot park events for days. */
    private static final Duration MAX = Duration.ofHours(1);

    private RetryAfter() {
    }

    /**
     * Parses a {@code Retry-After} given in seconds or as an HTTP date (RFC 9110, section 10.2.3).
     * A missing header, a date in the past or an unreadable value counts as no request, which is
     * {@link Duration#ZERO}; longer waits are capped at one hour.
     */
    public static Duration parse(@Nullable String header) {
        if (header == null || header.isBlank()) {
            return Duration.ZERO;
        }
        String value = header.trim();
        Duration delay;
        try {
            delay = Duration.ofSeconds(Long.parseLong(value));
        }
        catch (NumberFormatException ex) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                delay = Duration.between(Instant.now(), at);
            }
            catch (DateTimeParseException notDate) {
                return Duration.ZERO;
            }
        }
        if (delay.isNegative()) {
            return Duration.ZERO;
        }
        return (delay.compareTo(MAX) > 0) ? MAX : delay;
    }

}
