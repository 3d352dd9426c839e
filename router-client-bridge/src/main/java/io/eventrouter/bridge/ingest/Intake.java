package io.eventrouter.bridge.ingest;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.eventrouter.bridge.privacy.ClientAddressResolver;
import io.eventrouter.bridge.privacy.RemoteAddressFiller;
import io.eventrouter.bridge.throttle.EventRateLimiter;
import io.eventrouter.bridge.throttle.TokenBuckets;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.UploadRejectedException;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * The steps every ingestion endpoint shares once it has decoded a request's events: the limit
 * on requests per API key, the per-device and per-user event rate, the client address for
 * {@code "$remote"}, the upstream API key, and the submission to the pipeline.
 */
public final class Intake {

    /** The rejection reason, in the pipeline's metrics, for events that fail validation. */
    static final String INVALID_EVENT = "invalid-event";

    /** The rejection reason, in the pipeline's metrics, for valid events of an upload rejected for others. */
    static final String UPLOAD_REJECTED = "upload-rejected";

    /** The rejection reason, in the pipeline's metrics, for events a rate limit turned away. */
    static final String THROTTLED = "throttled";

    private final Source source;

    private final ApiKeyPolicy apiKeys;

    private final ClientAddressResolver addresses;

    private final RemoteAddressFiller addressFiller = new RemoteAddressFiller();

    private final @Nullable TokenBuckets requestsPerApiKey;

    private final int requestsPerApiKeyThreshold;

    private final @Nullable EventRateLimiter eventRates;

    /**
     * @param requestsPerApiKey the limit on requests per API key, or {@code null} for none
     * @param requestsPerApiKeyThreshold the requests per second that limit allows, reported as {@code eps_threshold}
     * @param eventRates the limit on events per device and user, or {@code null} for none
     */
    public Intake(Source source, ApiKeyPolicy apiKeys, ClientAddressResolver addresses,
            @Nullable TokenBuckets requestsPerApiKey, int requestsPerApiKeyThreshold,
            @Nullable EventRateLimiter eventRates) {
        this.source = source;
        this.apiKeys = apiKeys;
        this.addresses = addresses;
        this.requestsPerApiKey = requestsPerApiKey;
        this.requestsPerApiKeyThreshold = requestsPerApiKeyThreshold;
        this.eventRates = eventRates;
    }

    public ApiKeyPolicy apiKeys() {
        return this.apiKeys;
    }

    public ClientAddressResolver addresses() {
        return this.addresses;
    }

    /**
     * Returns the 503 a submission made now would most likely get, so that handlers can answer it
     * before they decode the request. See {@link Source#overload()}.
     */
    public Optional<AcceptanceException> overload() {
        return this.source.overload();
    }

    /**
     * Runs the shared steps and submits {@code events}, all of which carry the API key the client
     * sent. Fails with {@link UploadRejectedException} carrying a 429 when a limit trips, and
     * with the source's {@link io.eventrouter.core.source.AcceptanceException} when the pipeline
     * cannot take the events now.
     */
    public Mono<Acceptance> submit(ServerRequest request, String apiKey, List<Event> events) {
        Optional<AmplitudeResponse> throttled = throttle(apiKey, events);
        if (throttled.isPresent()) {
            this.source.rejected(THROTTLED, events.size());
            return Mono.error(new UploadRejectedException(throttled.get()));
        }
        Optional<String> address = this.addresses.resolve(request);
        List<Event> filled = address.map((ip) -> this.addressFiller.fill(events, ip)).orElse(events);
        return this.source.submit(withUpstreamKey(apiKey, filled));
    }

    /**
     * Counts the events of an upload rejected for invalid events. Those the response lists count
     * as {@value #INVALID_EVENT}, and the valid rest, which Amplitude rejects with them, as
     * {@value #UPLOAD_REJECTED}. Requests rejected before their events were read, such as
     * malformed JSON, count only in the HTTP server's metrics.
     */
    public void countRejected(UploadRejectedException rejection) {
        int invalid = rejection.response().invalidEventIndexes().size();
        if (rejection.response().code() != 400 || invalid == 0) {
            return;
        }
        this.source.rejected(INVALID_EVENT, invalid);
        this.source.rejected(UPLOAD_REJECTED, Math.max(0, rejection.events() - invalid));
    }

    /** Counts events a handler dropped as invalid without rejecting the request. */
    public void countInvalid(int count) {
        this.source.rejected(INVALID_EVENT, count);
    }

    private Optional<AmplitudeResponse> throttle(String apiKey, List<Event> events) {
        if (this.requestsPerApiKey != null && !this.requestsPerApiKey.tryTake(apiKey, 1)) {
            return Optional.of(AmplitudeResponse.throttled("Too many requests for this API key",
                    this.requestsPerApiKeyThreshold, Map.of(), Map.of(), Set.of()));
        }
        return (this.eventRates != null) ? this.eventRates.admit(apiKey, events) : Optional.empty();
    }

    private List<Event> withUpstreamKey(String apiKey, List<Event> events) {
        String upstream = this.apiKeys.upstreamKey(apiKey);
        if (upstream.equals(apiKey)) {
            return events;
        }
        return events.stream()
                .map((event) -> event.withContext(new RequestContext(upstream, event.context().minIdLength())))
                .toList();
    }

}
