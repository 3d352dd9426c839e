package io.eventrouter.bridge.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.eventrouter.bridge.ingest.Responses;
import io.eventrouter.bridge.ingest.RequestBodies;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.UploadRejectedException;
import io.eventrouter.core.log.WarningInterval;
import io.eventrouter.core.source.AcceptanceException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Forwards one request to an upstream service and relays its response: the status, the content
 * type, {@code Retry-After} and the body. Only the request headers a caller names are forwarded, never {@code Host},
 * cookies or hop-by-hop headers, and every response is marked {@code Cache-Control: no-store},
 * because what Experiment and remote configuration return differs by user and by key.
 */
public final class UpstreamForwarder {

    private static final Logger logger = LoggerFactory.getLogger(UpstreamForwarder.class);

    /** Room for large flag configurations, which the upstream returns in one body. */
    private static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

    private static final int MAX_REQUEST_BYTES = 1024 * 1024;

    private static final Duration FAILURE_LOG_INTERVAL = Duration.ofMinutes(1);

    private final WebClient.Builder builder;

    private final Duration timeout;

    private volatile @Nullable WebClient client;

    /**
     * WARN limits per upstream host, so that one failing upstream does not hide the first failure
     * of another. The hosts come from the configured URLs, so the map stays small.
     */
    private final Map<String, WarningInterval> failureWarnings = new ConcurrentHashMap<>();

    /**
     * @param builder builds the client on the first forwarded request, so that a bridge that
     *        forwards nothing never creates one
     */
    public UpstreamForwarder(WebClient.Builder builder, Duration timeout) {
        this.builder = builder;
        this.timeout = timeout;
    }

    private WebClient client() {
        WebClient current = this.client;
        if (current == null) {
            current = this.builder.clone()
                    .codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(MAX_RESPONSE_BYTES))
                    .build();
            this.client = current;
        }
        return current;
    }

    /**
     * Forwards {@code request} to {@code target} with the given headers, which the caller has
     * already chosen and checked.
     *
     * @param vary the request headers the response depends on, for {@code Vary}
     */
    public Mono<ServerResponse> forward(ServerRequest request, URI target, HttpHeaders headers, List<String> vary) {
        return forward(request, target, headers, vary, Mono::just);
    }

    /**
     * Forwards {@code request} like {@link #forward(ServerRequest, URI, HttpHeaders, List)}, with
     * a request body that {@code rewrite} makes from the one received; a GET has no body to rewrite.
     */
    public Mono<ServerResponse> forward(ServerRequest request, URI target, HttpHeaders headers, List<String> vary,
            Function<byte[], Mono<byte[]>> rewrite) {
        Mono<byte[]> body = HttpMethod.GET.equals(request.method()) ? Mono.just(new byte[0])
                : RequestBodies.read(request, MAX_REQUEST_BYTES, this.timeout).flatMap(rewrite);
        return body
                .flatMap((bytes) -> send(request.method(), target, headers, bytes))
                .flatMap((relayed) -> relay(request, relayed, vary))
                .onErrorResume(UploadRejectedException.class, (ex) -> Responses.json(ex.response()))
                .onErrorResume(AcceptanceException.class, Responses::unavailable)
                .onErrorResume(WebClientRequestException.class,
                        (ex) -> upstreamFailed(target, ex, 502, "Upstream unavailable"))
                .onErrorResume(DataBufferLimitException.class, (ex) -> upstreamFailed(target, ex, 502,
                        "Upstream response larger than " + MAX_RESPONSE_BYTES / (1024 * 1024) + " MiB"))
                .onErrorResume(TimeoutException.class, (ex) -> upstreamFailed(target, ex, 504, "Upstream timed out"));
    }

    private Mono<Relayed> send(HttpMethod method, URI target, HttpHeaders headers, byte[] body) {
        WebClient.RequestBodySpec spec = client().method(method)
                .uri(target)
                .headers((outgoing) -> outgoing.addAll(headers));
        WebClient.RequestHeadersSpec<?> ready = (body.length > 0) ? spec.bodyValue(body) : spec;
        return ready.exchangeToMono(UpstreamForwarder::read)
                .timeout(this.timeout);
    }

    private static Mono<Relayed> read(ClientResponse response) {
        MediaType type = response.headers().contentType().orElse(MediaType.APPLICATION_JSON);
        String retryAfter = response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER);
        return response.bodyToMono(byte[].class)
                .defaultIfEmpty(new byte[0])
                .map((bytes) -> new Relayed(response.statusCode().value(), type, retryAfter, bytes));
    }

    /**
     * Builds the response from the upstream's. Its {@code Vary} replaces the one already on the
     * exchange when written, so it repeats that one, which CORS set to {@code Origin}.
     */
    private static Mono<ServerResponse> relay(ServerRequest request, Relayed relayed, List<String> vary) {
        List<String> varyBefore = request.exchange().getResponse().getHeaders().getOrEmpty(HttpHeaders.VARY);
        return ServerResponse.status(relayed.status())
                .contentType(relayed.contentType())
                .header(HttpHeaders.CACHE_CONTROL, "no-store, private")
                .headers((headers) -> {
                    varyBefore.forEach((value) -> headers.add(HttpHeaders.VARY, value));
                    vary.forEach((name) -> headers.add(HttpHeaders.VARY, name));
                    if (relayed.retryAfter() != null) {
                        headers.set(HttpHeaders.RETRY_AFTER, relayed.retryAfter());
                    }
                })
                .bodyValue(relayed.body());
    }

    private Mono<ServerResponse> upstreamFailed(URI target, Throwable error, int status, String message) {
        logFailure(target, error, status);
        return Responses.json(AmplitudeResponse.error(status, message).build());
    }

    /**
     * Logs a failed forward at WARN the first time and then at most once a minute per host, with
     * the failures since the last WARN, and the others at DEBUG. While an upstream is down, every
     * Experiment or remote-configuration request fails, and a WARN for each would flood the log.
     */
    private void logFailure(URI target, Throwable error, int status) {
        String host = String.valueOf(target.getHost());
        long failures = this.failureWarnings
                .computeIfAbsent(host, (key) -> new WarningInterval(FAILURE_LOG_INTERVAL))
                .record(1);
        String errorType = error.getClass().getSimpleName();
        if (failures > 0) {
            logger.warn("Upstream request failed: host={} status={} error={} failed_since_last_warning={}", host,
                    status, errorType, failures);
        }
        else {
            logger.debug("Upstream request failed: host={} status={} error={}", host, status, errorType);
        }
    }

    /** Copies the named request headers that are present, matching names without case. */
    static HttpHeaders pick(ServerRequest request, Set<String> names) {
        HttpHeaders picked = new HttpHeaders();
        request.headers().asHttpHeaders().forEach((name, values) -> {
            if (names.contains(name.toLowerCase(Locale.ROOT))) {
                picked.addAll(name, values);
            }
        });
        return picked;
    }

    private record Relayed(int status, MediaType contentType, @Nullable String retryAfter, byte[] body) {
    }

}
