package io.eventrouter.web.admin;

import java.util.Objects;

import io.eventrouter.core.pipeline.DispatchPipeline;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The operator endpoints under a path prefix, every one behind the admin token.
 */
public final class AdminRoutes {

    private AdminRoutes() {
    }

    /**
     * Builds the routes.
     *
     * @param pathPrefix the path every endpoint is served under, such as {@code /admin}
     * @param token the credential requests must carry as {@code Authorization: Bearer <token>}
     */
    public static RouterFunction<ServerResponse> of(DispatchPipeline pipeline, String pathPrefix, String token) {
        Objects.requireNonNull(pipeline, "pipeline");
        String prefix = pathPrefix.endsWith("/") ? pathPrefix.substring(0, pathPrefix.length() - 1) : pathPrefix;
        DeadLetterAdminHandler deadLetters = new DeadLetterAdminHandler(pipeline);
        return RouterFunctions.route()
                .GET(prefix + "/dead-letters", deadLetters::list)
                .POST(prefix + "/dead-letters/replay", deadLetters::replay)
                .filter(new AdminTokenFilter(token))
                .build();
    }

}
