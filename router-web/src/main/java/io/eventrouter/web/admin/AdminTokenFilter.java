package io.eventrouter.web.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;

import io.eventrouter.core.log.WarningInterval;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

    private static final Logger logger = LoggerFactory.getLogger(AdminTokenFilter.class);

    private static final String BEARER = "Bearer ";

    private final byte[] token;

    private final WarningInterval rejectionWarnings = new WarningInterval(Duration.ofMinutes(1));

    AdminTokenFilter(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("The admin token must not be blank");
        }
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        if (isAuthorized(request.headers().firstHeader(HttpHeaders.AUTHORIZATION))) {
            return next.handle(request);
        }
        logRejection(request);
        return unauthorized();
    }

    /**
     * Logs a rejected request without its credential. At most one rejection a minute logs a WARN,
     * with the number rejected since the last WARN, so probing cannot fill the log with WARNs.
     * The other rejections log at DEBUG.
     */
    private void logRejection(ServerRequest request) {
        long rejected = this.rejectionWarnings.record(1);
        String remote = request.remoteAddress()
                .map((address) -> address.getHostString() + ":" + address.getPort())
                .orElse("unknown");
        if (rejected > 0) {
            logger.warn("Admin request rejected without a valid token: method={} path={} remote={} "
                    + "rejected_since_last_warning={}", request.method(), request.path(), remote, rejected);
        }
        else {
            logger.debug("Admin request rejected without a valid token: method={} path={} remote={}",
                    request.method(), request.path(), remote);
        }
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
                .bodyValue("{\"code\":401,\"error\":\"A valid admin token is required: "
                        + "send Authorization: Bearer <token>\"}");
    }

}
