package io.eventrouter.bridge.throttle;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import io.eventrouter.bridge.privacy.ClientAddressResolver;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Limits requests before any body is read: per connection cap ({@link ConnectionLimit}), per
 * client address (requests per second) and in flight across the bridge. Each responds with a 429
 * in the shape of the endpoint's protocol, which every SDK reads as "retry later": Amplitude's
 * JSON, or {@code too_many_requests} for the legacy upload.
 */
public final class RequestGate implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    /**
     * The {@code eps_threshold} of a 429 for a limit that is not a rate, such as the connection
     * cap. Amplitude's field counts events per second, and the Java SDK requires it in every 429.
     */
    private static final int NOT_A_RATE = 0;

    private final ClientAddressResolver addresses;

    private final @Nullable TokenBuckets requestsPerAddress;

    private final int requestsPerAddressThreshold;

    private final int maxInFlight;

    private final Predicate<ServerRequest> plainTextResponses;

    private final AtomicInteger inFlight = new AtomicInteger();

    private final @Nullable ConnectionLimit connections;

    /**
     * @param requestsPerAddress the limit per client address, or {@code null} for none
     * @param requestsPerAddressThreshold its rate in requests per second, reported as {@code eps_threshold}
     * @param maxInFlight the most requests the bridge handles at once; 0 for no limit
     * @param plainTextResponses which requests get the legacy protocol's plain-text response
     * @param connections the connection cap, or {@code null} for none
     */
    public RequestGate(ClientAddressResolver addresses, @Nullable TokenBuckets requestsPerAddress,
            int requestsPerAddressThreshold, int maxInFlight, Predicate<ServerRequest> plainTextResponses,
            @Nullable ConnectionLimit connections) {
        this.addresses = addresses;
        this.requestsPerAddress = requestsPerAddress;
        this.requestsPerAddressThreshold = requestsPerAddressThreshold;
        this.maxInFlight = maxInFlight;
        this.plainTextResponses = plainTextResponses;
        this.connections = connections;
    }

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        if (this.connections != null && ConnectionLimit.isOverLimit(request)) {
            // Closing the connection frees its place; the client reconnects when it retries.
            return tooManyRequests(request, "Too many connections", NOT_A_RATE, true);
        }
        if (this.requestsPerAddress != null) {
            String address = this.addresses.resolve(request).orElse("unknown");
            if (!this.requestsPerAddress.tryTake(address, 1)) {
                return tooManyRequests(request, "Too many requests from this address", this.requestsPerAddressThreshold,
                        false);
            }
        }
        if (this.maxInFlight <= 0) {
            return next.handle(request);
        }
        if (this.inFlight.incrementAndGet() > this.maxInFlight) {
            this.inFlight.decrementAndGet();
            return tooManyRequests(request, "Too many requests in flight", NOT_A_RATE, false);
        }
        return Mono.defer(() -> next.handle(request))
                .doFinally((signal) -> this.inFlight.decrementAndGet());
    }

    private Mono<ServerResponse> tooManyRequests(ServerRequest request, String error, int threshold,
            boolean closeConnection) {
        ServerResponse.BodyBuilder response = ServerResponse.status(429).header(HttpHeaders.RETRY_AFTER, "1");
        if (closeConnection) {
            response.header(HttpHeaders.CONNECTION, "close");
        }
        if (this.plainTextResponses.test(request)) {
            return response.contentType(MediaType.TEXT_PLAIN)
                    .bodyValue("too_many_requests".getBytes(StandardCharsets.US_ASCII));
        }
        AmplitudeResponse body = AmplitudeResponse.throttled(error, threshold, Map.of(), Map.of(), Set.of());
        return response.contentType(MediaType.APPLICATION_JSON).bodyValue(body.toBytes());
    }

}
