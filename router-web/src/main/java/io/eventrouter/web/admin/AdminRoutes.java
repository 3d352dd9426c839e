package io.eventrouter.web.admin;

import java.time.Duration;
import java.util.Objects;

import io.eventrouter.bridge.ingest.ResponseGuard;
import io.eventrouter.core.identity.IdentityLookup;
import io.eventrouter.core.pipeline.DispatchPipeline;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The operator endpoints under a path prefix, every one behind the admin token.
 */
public final class AdminRoutes {

    /** Read timeout for callers that set none, equal to the bridge's default. */
    private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

    private AdminRoutes() {
    }

    /**
     * Builds the routes, with a read timeout of 30 s.
     *
     * @param pathPrefix the path every endpoint is served under, such as {@code /admin}
     * @param token the credential requests must carry as {@code Authorization: Bearer <token>}
     */
    public static RouterFunction<ServerResponse> of(DispatchPipeline pipeline, String pathPrefix, String token) {
        return of(pipeline, null, pathPrefix, token);
    }

    /**
     * Builds the routes, with the identity lookup at {@code <pathPrefix>/identities} when
     * {@code identities} is given, and a read timeout of 30 s.
     *
     * @param identities the identity lookup, or {@code null} when the router does not stitch
     * @param pathPrefix the path every endpoint is served under, such as {@code /admin}
     * @param token the credential requests must carry as {@code Authorization: Bearer <token>}
     */
    public static RouterFunction<ServerResponse> of(DispatchPipeline pipeline, @Nullable IdentityLookup identities,
            String pathPrefix, String token) {
        return of(pipeline, identities, pathPrefix, token, DEFAULT_READ_TIMEOUT);
    }

    /**
     * Builds the routes, with the identity lookup at {@code <pathPrefix>/identities} when
     * {@code identities} is given.
     *
     * @param identities the identity lookup, or {@code null} when the router does not stitch
     * @param pathPrefix the path every endpoint is served under, such as {@code /admin}
     * @param token the credential requests must carry as {@code Authorization: Bearer <token>}
     * @param readTimeout how long a client may take to send a request body; a slower one gets a 408
     *        and its connection closes
     */
    public static RouterFunction<ServerResponse> of(DispatchPipeline pipeline, @Nullable IdentityLookup identities,
            String pathPrefix, String token, Duration readTimeout) {
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(readTimeout, "readTimeout");
        String prefix = pathPrefix.endsWith("/") ? pathPrefix.substring(0, pathPrefix.length() - 1) : pathPrefix;
        DeadLetterAdminHandler deadLetters = new DeadLetterAdminHandler(pipeline, readTimeout);
        RouterFunctions.Builder routes = RouterFunctions.route()
                .GET(prefix + "/dead-letters", deadLetters::list)
                .POST(prefix + "/dead-letters/replay", deadLetters::replay)
                .GET(prefix + "/destinations", new DestinationAdminHandler(pipeline)::list);
        if (identities != null) {
            routes.add(new IdentityAdminHandler(identities).routes(prefix));
        }
        // The guard also covers the token filter's 401, since Netty may respond first to a body it cannot decode.
        return routes.filter(new AdminTokenFilter(token)).filter(new ResponseGuard()).build();
    }

}
