package io.eventrouter.core.source;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The configured name of a source, such as {@code client-bridge} or {@code server-sdk}. It tags
 * metrics and logs, so it is chosen by the operator and never by a client.
 */
public record SourceId(String value) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    public SourceId {
        Objects.requireNonNull(value, "value");
        if (!VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("Source id must be 1 to 63 lower-case letters, digits "
                    + "or hyphens, starting with a letter or digit, but was '" + value + "'");
        }
    }

    public static SourceId of(String value) {
        return new SourceId(value);
    }

    @Override
    public String toString() {
        return this.value;
    }

}
