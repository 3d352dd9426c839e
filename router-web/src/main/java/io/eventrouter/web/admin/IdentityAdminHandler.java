package io.eventrouter.web.admin;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.eventrouter.core.identity.IdentityLookup;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.identity.LinkedIdentities;
import io.eventrouter.core.identity.UserActivity;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Serves {@code GET <prefix>/identities?device_id=...} and {@code ?user_id=...}: the identities
 * the router links to one id, for operators who need to see why two events joined up or did not.
 *
 * <p>{@link AdminRoutes} serves it with the other operator endpoints, behind the admin token.
 * Requests name the Amplitude project by its API key in the {@code X-Amplitude-Api-Key} header,
 * because links are kept per project. The key travels in a header, never the query string, so
 * that access logs do not record it. Responses: 200 with the links, 404 when the id is unknown, 400 for a malformed
 * request, 503 when the store fails or does not respond within 10 s.
 */
public final class IdentityAdminHandler {

    /** The header that names the project whose links are read. */
    public static final String API_KEY_HEADER = "X-Amplitude-Api-Key";

    private static final Logger logger = LoggerFactory.getLogger(IdentityAdminHandler.class);

    /** How long a lookup may wait for the store, below the 60 s that Redis's client allows a command. */
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

    private final IdentityLookup lookup;

    public IdentityAdminHandler(IdentityLookup lookup) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
    }

    /**
     * Returns the route, under {@code pathPrefix} such as {@code /admin}. The route checks no
     * credential: {@link AdminRoutes} serves it behind the admin token.
     */
    public RouterFunction<ServerResponse> routes(String pathPrefix) {
        return RouterFunctions.route()
                .GET(pathPrefix + "/identities", this::identities)
                .build();
    }

    private Mono<ServerResponse> identities(ServerRequest request) {
        Optional<String> apiKey = Optional.ofNullable(request.headers().firstHeader(API_KEY_HEADER))
                .filter((key) -> !key.isBlank());
        if (apiKey.isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "Missing header " + API_KEY_HEADER + " naming the project");
        }
        Optional<String> deviceId = nonEmpty(request.queryParam("device_id"));
        Optional<String> userId = nonEmpty(request.queryParam("user_id"));
        if (deviceId.isPresent() == userId.isPresent()) {
            return error(HttpStatus.BAD_REQUEST, "Give exactly one of the query parameters device_id and user_id");
        }
        IdentityScope scope = IdentityScope.ofApiKey(apiKey.get());
        Mono<LinkedIdentities> linked = deviceId.isPresent() ? this.lookup.ofDevice(scope, deviceId.get())
                : this.lookup.ofUser(scope, userId.get());
        return linked.timeout(LOOKUP_TIMEOUT)
                .flatMap((identities) -> identities.isEmpty()
                        ? error(HttpStatus.NOT_FOUND, "No identities are linked to this id")
                        : ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(toJson(identities)))
                .onErrorResume((ex) -> {
                    logger.warn("Identity lookup failed: {}", ex.toString());
                    return error(HttpStatus.SERVICE_UNAVAILABLE,
                            "The identity store failed or did not respond within " + LOOKUP_TIMEOUT.toSeconds()
                                    + " s; try again later");
                });
    }

    private static Optional<String> nonEmpty(Optional<String> value) {
        return value.filter((text) -> !text.isEmpty());
    }

    private static Map<String, Object> toJson(LinkedIdentities identities) {
        Map<String, Object> json = new LinkedHashMap<>();
        putIfPresent(json, "device_id", identities.deviceId());
        putIfPresent(json, "stable_device_id", identities.stableDeviceId());
        putIfPresent(json, "user_id", identities.userId());
        UserActivity activity = identities.lastActivity();
        if (activity != null) {
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("device_id", activity.deviceId());
            activity.session().ifPresent((session) -> last.put("session_id", session));
            last.put("time", activity.time());
            json.put("last_activity", last);
        }
        return json;
    }

    private static void putIfPresent(Map<String, Object> json, String name, @Nullable String value) {
        if (value != null) {
            json.put(name, value);
        }
    }

    private static Mono<ServerResponse> error(HttpStatus status, String message) {
        return ServerResponse.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("code", status.value(), "error", message));
    }

}
