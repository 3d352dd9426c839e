package io.eventrouter.web;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Responds to a request that no route of the standalone router matches, such as an unknown path or a
 * method the path does not take, with Amplitude's JSON error body instead of Spring Boot's. The
 * TypeScript SDKs read the {@code code} field of any JSON body, and Spring Boot's body has none.
 * Only the service installs it: an application that embeds the router serves its own paths.
 */
final class UnknownPathBodies implements WebExceptionHandler, Ordered {

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (!(ex instanceof ResponseStatusException status) || response.isCommitted()) {
            return Mono.error(ex);
        }
        String error;
        if (status.getStatusCode().isSameCodeAs(HttpStatus.NOT_FOUND)) {
            error = "Invalid request path";
        }
        else if (status.getStatusCode().isSameCodeAs(HttpStatus.METHOD_NOT_ALLOWED)) {
            error = "Method not allowed";
        }
        else {
            return Mono.error(ex);
        }
        int code = status.getStatusCode().value();
        byte[] body = AmplitudeResponse.error(code, error).build().toBytes();
        response.setStatusCode(status.getStatusCode());
        response.getHeaders().addAll(status.getHeaders());
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(body.length);
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }

    /** Before Spring Boot's error handler, which has order -1. */
    @Override
    public int getOrder() {
        return -2;
    }

}
