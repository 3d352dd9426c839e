package io.eventrouter.bridge.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.log.WarningInterval;
import io.eventrouter.core.source.AcceptanceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Writes the bridge's responses: Amplitude's JSON bodies for the JSON APIs and the plain-text words
 * of the legacy upload and the Identify APIs. The HTTP status always equals the body's
 * {@code code}, because some SDKs read the one and some the other.
 */
public final class Responses {

    private static final Logger logger = LoggerFactory.getLogger(Responses.class);

    private Responses() {
    }

    /** Writes an Amplitude JSON response; a 429 also gets a {@code Retry-After}. */
    public static Mono<ServerResponse> json(AmplitudeResponse response) {
        ServerResponse.BodyBuilder builder = ServerResponse.status(response.code())
                .contentType(MediaType.APPLICATION_JSON);
        if (response.code() == 429) {
            builder.header(HttpHeaders.RETRY_AFTER, "1");
        }
        return builder.bodyValue(response.toBytes());
    }

    /** Writes a plain-text response, such as the legacy upload's {@code success}. */
    public static Mono<ServerResponse> text(int status, String body) {
        return ServerResponse.status(status)
                .contentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8))
                .bodyValue(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the 503 for a pipeline that cannot take events now, in JSON. */
    public static Mono<ServerResponse> unavailable(AcceptanceException ex) {
        logUnavailable(ex);
        return ServerResponse.status(503)
                .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(ex.retryAfter()))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(AmplitudeResponse.error(503, "Service unavailable, retry later").build().toBytes());
    }

    /** Writes the 503 for a pipeline that cannot take events now, in plain text. */
    public static Mono<ServerResponse> unavailableText(AcceptanceException ex) {
        logUnavailable(ex);
        return ServerResponse.status(503)
                .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(ex.retryAfter()))
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue("service_unavailable".getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Logs a 503 at WARN at most once per {@link #UNAVAILABLE_LOG_INTERVAL}, with the number of
     * 503s since the last such line, and the others at DEBUG: an overloaded router answers
     * thousands of them a second, and a line for each would add to the overload.
     */
    private static void logUnavailable(AcceptanceException ex) {
        long sinceLastWarning = UNAVAILABLE_WARNINGS.record(1);
        if (sinceLastWarning > 0) {
            logger.warn("Upload not accepted, responding with 503: reason={} since_last_warning={}", ex.reason(),
                    sinceLastWarning);
        }
        else {
            logger.debug("Upload not accepted, responding with 503: reason={}", ex.reason());
        }
    }

    private static final Duration UNAVAILABLE_LOG_INTERVAL = Duration.ofSeconds(10);

    private static final WarningInterval UNAVAILABLE_WARNINGS = new WarningInterval(UNAVAILABLE_LOG_INTERVAL);

    private static String retryAfterSeconds(Duration retryAfter) {
        return Long.toString(Math.max(1, retryAfter.toSeconds()));
    }

}
