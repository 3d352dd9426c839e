package io.eventrouter.core.amplitude;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code Retry-After} header of an Amplitude-compatible answer.
 */
public final class RetryAfter {

    /** A server asking for a longer wait is capped here, so one bad header cannot park events for days. */
    private static final Duration MAX = Duration.ofHours(1);

    private RetryAfter() {
    }

    /**
     * Parses a {@code Retry-After} given in whole seconds. A missing header, an HTTP date or an
     * unreadable value counts as no request, which is {@link Duration#ZERO}; values are capped at
     * one hour.
     */
    public static Duration parse(@Nullable String header) {
        if (header == null) {
            return Duration.ZERO;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return (seconds > 0) ? Duration.ofSeconds(Math.min(seconds, MAX.toSeconds())) : Duration.ZERO;
        }
        catch (NumberFormatException ex) {
            return Duration.ZERO;
        }
    }

}
