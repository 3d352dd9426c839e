package io.eventrouter.core.destination;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The configured name of a destination, such as {@code amplitude}. It tags metrics and logs and
 * names the destination's cursor in the spool, so it must stay stable across restarts.
 */
public record DestinationId(String value) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    public DestinationId {
        Objects.requireNonNull(value, "value");
        if (!VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("Destination id must be 1 to 63 lower-case letters, "
                    + "digits or hyphens, starting with a letter or digit, but was '" + value + "'");
        }
    }

    public static DestinationId of(String value) {
        return new DestinationId(value);
    }

    @Override
    public String toString() {
        return this.value;
    }

}
