package io.eventrouter.web;

import io.eventrouter.bridge.ingest.ResponseGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Ends quietly a request that Netty already responded to itself, as it does to a body it cannot
 * decode, when the handler's own response then fails on the status already sent. Spring would log that
 * as a 500 with a stack trace at ERROR, and any client can send such a body to any path, the
 * health endpoint included. The bridge's and the admin endpoints' routes handle it themselves;
 * this covers the rest of the standalone router's paths, such as Actuator's.
 */
final class AnsweredRequestErrors implements WebExceptionHandler, Ordered {

    private static final Logger logger = LoggerFactory.getLogger(AnsweredRequestErrors.class);

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (!ResponseGuard.answeredByServer(exchange)) {
            return Mono.error(ex);
        }
        logger.debug("Netty already responded to the request, so its handler's response was not sent: path={} "
                + "error={}", exchange.getRequest().getPath().value(), ex.toString());
        return Mono.empty();
    }

    /** Before every other handler, since no other can write a response any more. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

}
