package io.eventrouter.core.event;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The values of the upload request an event arrived in that still matter after the request is
 * gone: the Amplitude API key and the request's {@code options.min_id_length}.
 *
 * <p>Events keep their context through the pipeline because a batch sent upstream must never
 * mix API keys, and Amplitude validates id lengths against the option of the original request.
 *
 * @param apiKey the project's API key, a credential: never log it
 * @param minIdLength the minimum length of {@code user_id} and {@code device_id}, or
 *        {@code null} for Amplitude's default of 5
 */
public record RequestContext(String apiKey, @Nullable Integer minIdLength) {

    public RequestContext {
        Objects.requireNonNull(apiKey, "apiKey");
        if (apiKey.isBlank()) {
            throw new IllegalArgumentException("apiKey must not be blank");
        }
        if (minIdLength != null && minIdLength < 0) {
            throw new IllegalArgumentException(
                    "minIdLength must be zero or positive, but was " + minIdLength);
        }
    }

    public static RequestContext of(String apiKey) {
        return new RequestContext(apiKey, null);
    }

    /** Returns a copy that carries {@code apiKey} in place of this one. */
    public RequestContext withApiKey(String apiKey) {
        return new RequestContext(apiKey, this.minIdLength);
    }

    @Override
    public String toString() {
        return "RequestContext[apiKey=" + mask(this.apiKey) + ", minIdLength=" + this.minIdLength + "]";
    }

    /** Masks a credential for messages: the first four characters stay so operators can tell keys apart. */
    public static String mask(String secret) {
        return (secret.length() <= 8) ? "****" : secret.substring(0, 4) + "****";
    }

}
