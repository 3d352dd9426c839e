package io.eventrouter.bridge.ingest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Adjusts how the bridge writes a response when the request's body could not be decoded or
 * stopped coming.
 *
 * <ul>
 * <li>A body that Netty cannot decode, such as a malformed chunk, gets Netty's own 400 while the
 * handler still reads it. The handler's response then finds the status already sent. That is no
 * server error: it is logged at DEBUG rather than as a 500 with a stack trace, which any client
 * could otherwise cause at will.</li>
 * <li>A 408 means the client stopped sending before its body was complete. The rest of that body
 * may still come and would be read as the next request on the connection, so the connection
 * closes after the response.</li>
 * <li>A body refused by the {@link BodyBudget} and left partly unread closes its connection
 * too.</li>
 * </ul>
 */
public final class ResponseGuard implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    private static final Logger logger = LoggerFactory.getLogger(ResponseGuard.class);

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        return next.handle(request).map(Guarded::new);
    }

    /** Returns whether the server itself already sent a status on the exchange's connection. */
    public static boolean answeredByServer(ServerWebExchange exchange) {
        Object response = ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse());
        return response instanceof HttpServerResponse netty && netty.hasSentHeaders();
    }

    private record Guarded(ServerResponse delegate) implements ServerResponse {

        @Override
        public HttpStatusCode statusCode() {
            return this.delegate.statusCode();
        }

        @Override
        public HttpHeaders headers() {
            return this.delegate.headers();
        }

        @Override
        public MultiValueMap<String, ResponseCookie> cookies() {
            return this.delegate.cookies();
        }

        @Override
        public Mono<Void> writeTo(ServerWebExchange exchange, Context context) {
            if (statusCode().isSameCodeAs(HttpStatus.REQUEST_TIMEOUT) || BodyBudget.leftUnread(exchange)) {
                exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            }
            return Mono.defer(() -> this.delegate.writeTo(exchange, context))
                    .onErrorResume((error) -> answeredByServer(exchange), (error) -> {
                        logger.debug("Netty already responded to the request, so the bridge's {} response was "
                                + "not sent: {}", statusCode().value(), error.toString());
                        return Mono.empty();
                    });
        }

    }

}
