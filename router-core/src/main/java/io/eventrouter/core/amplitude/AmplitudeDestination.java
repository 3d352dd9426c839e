package io.eventrouter.core.amplitude;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.pipeline.BatchPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * Delivers batches to Amplitude, or to any server that speaks its HTTP V2 API, over Reactor
 * Netty's HTTP client. Each batch becomes one request to {@code <url>/2/httpapi} (or
 * {@code /batch}) with the batch's own API key.
 */
public final class AmplitudeDestination implements Destination {

    private static final Logger logger = LoggerFactory.getLogger(AmplitudeDestination.class);

    /** Amplitude's default ingestion host in the US. */
    public static final URI DEFAULT_URL = URI.create("https://api2.amplitude.com");

    /** The most events Amplitude takes in one request, on both APIs. */
    public static final int MAX_EVENTS_PER_REQUEST = 2000;

    /** The largest body {@code /2/httpapi} takes; Amplitude documents it as 1 MB. */
    public static final long MAX_HTTP_API_BYTES = 1_000_000;

    /** The largest body {@code /batch} takes; Amplitude documents it as 20 MB. */
    public static final long MAX_BATCH_API_BYTES = 20_000_000;

    private final DestinationId id;

    private final HttpClient client;

    /**
     * The URL batches go to, kept as a URI because Reactor Netty reads the port of a URL string
     * only when it has two to five digits.
     */
    private final URI target;

    /**
     * The URL of a body larger than {@code /2/httpapi} takes: {@code /batch}, which takes 20 MB,
     * or {@code null} when every batch goes there already. Only an event alone can make such a
     * body, since batches stay under the limit.
     */
    private final @Nullable URI oversizeTarget;

    private final AmplitudeOutcomes outcomes;

    private final ConnectionProvider connections;

    private final IdentifyApiDelivery identifyApi;

    private AmplitudeDestination(Builder builder) {
        this.id = builder.id;
        String baseUrl = stripTrailingSlash(builder.url.toString());
        this.target = URI.create(baseUrl + (builder.batchApi ? "/batch" : "/2/httpapi"));
        this.oversizeTarget = builder.batchApi ? null : URI.create(baseUrl + "/batch");
        String path = builder.url.getPath().replaceAll("/+$", "").toLowerCase(Locale.ROOT);
        if (path.endsWith("/2/httpapi") || path.endsWith("/batch")) {
            logger.warn("The Amplitude URL ends with an API path, and the destination appends its own: "
                    + "destination_id={} url={} requests_to={}. Set the base URL, such as https://api2.amplitude.com",
                    builder.id, builder.url, this.target);
        }
        this.outcomes = new AmplitudeOutcomes(builder.throttlePause);
        this.connections = ConnectionProvider.builder("amplitude-" + builder.id)
                .maxConnections(builder.maxConnections)
                .pendingAcquireTimeout(builder.timeout)
                .build();
        this.client = HttpClient.create(this.connections)
                .responseTimeout(builder.timeout)
                .compress(true)
                .headers((headers) -> headers
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON));
        this.identifyApi = new IdentifyApiDelivery(this.client, baseUrl, builder.throttlePause);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public DestinationId id() {
        return this.id;
    }

    @Override
    public Mono<DeliveryResult> deliver(Delivery delivery) {
        if (IdentifyApiDelivery.appliesTo(delivery)) {
            // Calls back here with the batch's other events only, so this branch runs once.
            return this.identifyApi.deliver(delivery, this::deliver);
        }
        int size = bodySize(delivery);
        URI uri = this.target;
        if (this.oversizeTarget != null && size > MAX_HTTP_API_BYTES) {
            logger.debug("An event is larger than /2/httpapi takes, so it goes to /batch: destination_id={} bytes={}",
                    this.id, size);
            uri = this.oversizeTarget;
        }
        return this.client.post()
                .uri(uri)
                .send((request, outbound) -> outbound.send(Mono.fromCallable(() -> body(delivery, size,
                        outbound.alloc()))))
                .responseSingle((response, content) -> content.asByteArray()
                        .defaultIfEmpty(new byte[0])
                        .map((bytes) -> toResult(response, bytes, delivery)));
    }

    /**
     * Encodes the request body into a buffer from Netty's allocator, which the connection releases
     * after writing it. Heap arrays near the 1 MB body limit take whole G1 regions, and in a 64 MB
     * heap they caused repeated full collections.
     */
    private static ByteBuf body(Delivery delivery, int size, ByteBufAllocator allocator) {
        ByteBuf body = allocator.buffer(size);
        try {
            UploadEncoder.encode(delivery.context(), delivery.events(), new ByteBufOutputStream(body));
            return body;
        }
        catch (RuntimeException ex) {
            body.release();
            throw ex;
        }
    }

    /** Returns about how many bytes the request body of {@code delivery} takes. Its buffer grows when that is short. */
    private static int bodySize(Delivery delivery) {
        int size = 64 + delivery.context().apiKey().length();
        for (Event event : delivery.events()) {
            size += event.encodedSize() + 1;
        }
        return size;
    }

    /** Deliveries share nothing but the connection pool, so several may run at once. */
    @Override
    public boolean acceptsConcurrentDeliveries() {
        return true;
    }

    private DeliveryResult toResult(HttpClientResponse response, byte[] body, Delivery delivery) {
        AmplitudeResponse answer = AmplitudeResponse.parse(response.status().code(), body);
        Duration retryAfter = RetryAfter.parse(response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER));
        return this.outcomes.outcomes(answer, delivery.events(), retryAfter);
    }

    /**
     * Checks that batches of {@code policy} stay under Amplitude's request limits.
     *
     * @param batchApi whether the batches go to {@code /batch} rather than {@code /2/httpapi}
     * @throws IllegalArgumentException naming the limit a setting exceeds
     */
    public static BatchPolicy requireWithinLimits(BatchPolicy policy, boolean batchApi) {
        if (policy.maxEvents() > MAX_EVENTS_PER_REQUEST) {
            throw new IllegalArgumentException("Amplitude takes at most " + MAX_EVENTS_PER_REQUEST
                    + " events per request, but the batch allows " + policy.maxEvents());
        }
        long maxBytes = batchApi ? MAX_BATCH_API_BYTES : MAX_HTTP_API_BYTES;
        if (policy.maxBytes() > maxBytes) {
            throw new IllegalArgumentException("Amplitude takes at most " + maxBytes + " bytes per request to "
                    + (batchApi ? "/batch" : "/2/httpapi") + ", but the batch allows " + policy.maxBytes());
        }
        return policy;
    }

    /**
     * Closes the connection pool. At shutdown the event loop of its connections may have stopped
     * first, and closing fails then with nothing left open, so the failure logs at DEBUG only.
     */
    public void close() {
        this.connections.disposeLater().subscribe(null, (error) -> logger.debug(
                "Closing the connection pool failed, probably because its event loop stopped first: "
                        + "destination_id={} error={}", this.id, error.toString()));
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Settings of an Amplitude destination. */
    public static final class Builder {

        private DestinationId id = DestinationId.of("amplitude");

        private URI url = DEFAULT_URL;

        private boolean batchApi;

        private Duration timeout = Duration.ofSeconds(30);

        private Duration throttlePause = Duration.ofSeconds(30);

        private int maxConnections = 16;

        private Builder() {
        }

        public Builder id(DestinationId id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /** Sets the base URL; the API path is appended to it. */
        public Builder url(URI url) {
            String scheme = Objects.requireNonNull(url, "url").getScheme();
            if (!"https".equals(scheme) && !"http".equals(scheme)) {
                throw new IllegalArgumentException("The Amplitude URL must be http or https, but was '" + url + "'");
            }
            this.url = url;
            return this;
        }

        /** Sends to {@code /batch} instead of {@code /2/httpapi}. */
        public Builder batchApi(boolean batchApi) {
            this.batchApi = batchApi;
            return this;
        }

        /** Sets how long one request may take, from connecting to the last byte of the response. */
        public Builder timeout(Duration timeout) {
            this.timeout = requirePositive(timeout, "timeout");
            return this;
        }

        /** Sets how long a device or user that Amplitude throttles waits before its events are retried. */
        public Builder throttlePause(Duration throttlePause) {
            this.throttlePause = requirePositive(throttlePause, "throttlePause");
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, but was " + maxConnections);
            }
            this.maxConnections = maxConnections;
            return this;
        }

        public AmplitudeDestination build() {
            return new AmplitudeDestination(this);
        }

        private static Duration requirePositive(Duration duration, String name) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, but was " + duration);
            }
            return duration;
        }

    }

}
