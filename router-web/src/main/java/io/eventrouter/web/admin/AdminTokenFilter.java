package io.eventrouter.web.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Lets a request through only when it carries the admin token as {@code Authorization: Bearer
 * <token>}; any other request gets 401 with a {@code WWW-Authenticate} challenge (RFC 6750).
 * The comparison takes the same time whatever the token, so its duration reveals nothing about it.
 */
final class AdminTokenFilter implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    private static final String BEARER = "Bearer ";

    private final byte[] token;

    AdminTokenFilter(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("The admin token must not be blank");
        }
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        return isAuthorized(request.headers().firstHeader(HttpHeaders.AUTHORIZATION))
                ? next.handle(request)
                : unauthorized();
    }

    private boolean isAuthorized(@Nullable String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, this.token);
    }

    private static Mono<ServerResponse> unauthorized() {
        return ServerResponse.status(HttpStatus.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"event-router-admin\"")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"error\":\"A valid admin token is required: send Authorization: Bearer <token>\"}");
    }

}
