package io.eventrouter.web.identity;

import io.eventrouter.sdk.RequestIdentity;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Puts the device id and session id that a page sent with its request into the Reactor context,
 * where {@link io.eventrouter.sdk.RequestIdentityPublisher} finds them for the server events the
 * handler publishes.
 *
 * <p>The ids come from the {@value RequestIdentity#DEVICE_ID_HEADER} and
 * {@value RequestIdentity#SESSION_ID_HEADER} headers, which the page attaches from its SDK.
 * It does not read the router's first-party cookie: that id becomes a device id only through a
 * store lookup in the event's project, carries no session id, and is subject to the visitor's
 * consent (docs/identity.md gives the details).
 */
public final class RequestIdentityWebFilter implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        RequestIdentity identity = RequestIdentity.fromHeaders(exchange.getRequest().getHeaders()::getFirst);
        if (identity.isEmpty()) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange)
                .contextWrite((context) -> context.put(RequestIdentity.CONTEXT_KEY, identity));
    }

}
