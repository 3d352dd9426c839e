package io.eventrouter.bridge.proxy;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import io.eventrouter.bridge.ingest.Responses;
import io.eventrouter.bridge.privacy.ClientAddressResolver;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * Forwards Amplitude Experiment's client traffic: remote evaluation ({@code /sdk/v2/vardata},
 * the older {@code /sdk/vardata} and {@code /v1/vardata}, by GET with the user in
 * {@code X-Amp-Exp-User} or by POST with the user as the body) to the evaluation upstream, and
 * flag configurations ({@code /sdk/v2/flags}) to the flags upstream.
 *
 * <p>A remote evaluation request's user, in the header or the body, can be completed before
 * it is forwarded, so that Experiment evaluates the user the router has linked to the device.
 *
 * <p>{@code Authorization: Api-Key <deployment key>} is forwarded as sent. The base64 headers are
 * accepted in every alphabet clients use and forwarded in standard base64, since some servers,
 * Amplitude's own evaluation proxy among them, read only that.
 */
public final class ExperimentHandler {

    private static final Set<String> FORWARDED = Set.of("authorization", "content-type", "accept",
            "x-amp-exp-user", "x-amp-exp-flag-keys", "x-amp-exp-track", "x-amp-exp-exposure-track",
            "x-amp-exp-library", "user-agent");

    private static final String USER_HEADER = "X-Amp-Exp-User";

    private static final List<String> BASE64_HEADERS = List.of(USER_HEADER, "X-Amp-Exp-Flag-Keys");

    private static final List<String> VARY = List.of(HttpHeaders.AUTHORIZATION, "X-Amp-Exp-User",
            "X-Amp-Exp-Flag-Keys");

    private final UpstreamForwarder forwarder;

    private final ClientAddressResolver addresses;

    private final @Nullable URI evaluationUrl;

    private final @Nullable URI flagsUrl;

    private final @Nullable ExperimentUsers users;

    /**
     * @param evaluationUrl base URL of remote evaluation, such as {@code https://api.lab.amplitude.com}; {@code null} turns it off
     * @param flagsUrl base URL of flag configurations, such as {@code https://flag.lab.amplitude.com}; {@code null} turns it off
     */
    public ExperimentHandler(UpstreamForwarder forwarder, ClientAddressResolver addresses,
            @Nullable URI evaluationUrl, @Nullable URI flagsUrl) {
        this(forwarder, addresses, evaluationUrl, flagsUrl, null);
    }

    /**
     * @param userCompletion completes the user of a remote evaluation request before it is
     *        forwarded, such as with the ids the router has linked; {@code null} forwards users as sent
     */
    public ExperimentHandler(UpstreamForwarder forwarder, ClientAddressResolver addresses,
            @Nullable URI evaluationUrl, @Nullable URI flagsUrl,
            @Nullable Function<ObjectNode, Mono<ObjectNode>> userCompletion) {
        this.forwarder = forwarder;
        this.addresses = addresses;
        this.evaluationUrl = evaluationUrl;
        this.flagsUrl = flagsUrl;
        this.users = (userCompletion != null) ? new ExperimentUsers(userCompletion) : null;
    }

    /**
     * Forwards a remote evaluation request to the same path below the evaluation upstream, with
     * its user completed first when a user completion is set.
     */
    public Mono<ServerResponse> variants(ServerRequest request, String upstreamPath) {
        return forward(request, this.evaluationUrl, upstreamPath, this.users);
    }

    public Mono<ServerResponse> flags(ServerRequest request) {
        return forward(request, this.flagsUrl, "/sdk/v2/flags", null);
    }

    private Mono<ServerResponse> forward(ServerRequest request, @Nullable URI base, String path,
            @Nullable ExperimentUsers users) {
        if (base == null) {
            return Responses.json(AmplitudeResponse.error(404, "Experiment forwarding is not configured").build());
        }
        HttpHeaders headers = UpstreamForwarder.pick(request, FORWARDED);
        for (String name : BASE64_HEADERS) {
            String value = headers.getFirst(name);
            if (value != null) {
                Optional<String> normalized = Base64Json.normalize(value);
                if (normalized.isEmpty()) {
                    return Responses.json(AmplitudeResponse.error(400,
                            "Invalid " + name + " header: expected base64-encoded JSON").build());
                }
                headers.set(name, normalized.get());
            }
        }
        this.addresses.resolve(request).ifPresent((address) -> headers.set("X-Forwarded-For", address));
        URI target = UriComponentsBuilder.fromUri(base)
                .path(path)
                .query(request.uri().getRawQuery())
                .build(true)
                .toUri();
        if (users == null) {
            return this.forwarder.forward(request, target, headers, VARY);
        }
        // The header is completed before forwarding starts, because the forwarder reads it then.
        return completeUserHeader(headers, users)
                .then(Mono.defer(() -> this.forwarder.forward(request, target, headers, VARY,
                        users::completeBody)));
    }

    private static Mono<Void> completeUserHeader(HttpHeaders headers, ExperimentUsers users) {
        String user = headers.getFirst(USER_HEADER);
        if (user == null) {
            return Mono.empty();
        }
        return users.completeHeader(user)
                .doOnNext((completed) -> headers.set(USER_HEADER, completed))
                .then();
    }

}
