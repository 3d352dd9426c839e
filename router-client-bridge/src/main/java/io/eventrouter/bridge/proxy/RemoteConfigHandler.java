package io.eventrouter.bridge.proxy;

import java.net.URI;
import java.util.List;
import java.util.Set;

import io.eventrouter.bridge.ingest.Responses;
import io.eventrouter.bridge.ingest.ApiKeyPolicy;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/**
 * Forwards the browser SDK's remote configuration request, {@code GET /config/{apiKey}}, to the
 * configuration upstream, so that all of the SDK's default traffic can stay first-party. The API
 * key in the path passes the same allow-list as uploads and is mapped to its upstream key.
 */
public final class RemoteConfigHandler {

    private static final Set<String> FORWARDED = Set.of("accept", "user-agent");

    private final UpstreamForwarder forwarder;

    private final ApiKeyPolicy apiKeys;

    private final @Nullable URI upstreamUrl;

    /**
     * @param upstreamUrl base URL of the configuration service, such as
     *        {@code https://sr-client-cfg.amplitude.com}; {@code null} turns forwarding off
     */
    public RemoteConfigHandler(UpstreamForwarder forwarder, ApiKeyPolicy apiKeys, @Nullable URI upstreamUrl) {
        this.forwarder = forwarder;
        this.apiKeys = apiKeys;
        this.upstreamUrl = upstreamUrl;
    }

    public Mono<ServerResponse> config(ServerRequest request) {
        String apiKey = request.pathVariable("apiKey");
        if (this.upstreamUrl == null) {
            return Responses.json(AmplitudeResponse.error(404, "Remote configuration forwarding is not configured").build());
        }
        if (!this.apiKeys.accepts(apiKey)) {
            return Responses.json(AmplitudeResponse.invalidApiKey(apiKey));
        }
        String path = UriComponentsBuilder.fromUri(this.upstreamUrl)
                .pathSegment("config", this.apiKeys.upstreamKey(apiKey))
                .build()
                .encode()
                .toUriString();
        String query = request.uri().getRawQuery();
        URI target = URI.create((query != null) ? path + "?" + query : path);
        HttpHeaders headers = UpstreamForwarder.pick(request, FORWARDED);
        return this.forwarder.forward(request, target, headers, List.of());
    }

}
