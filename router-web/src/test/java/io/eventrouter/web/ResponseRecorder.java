package io.eventrouter.web;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/** Records the path and status of every response, to show what a client received before it succeeded. */
final class ResponseRecorder implements WebFilter {

    private final List<String> responses = new CopyOnWriteArrayList<>();

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        exchange.getResponse().beforeCommit(() -> {
            this.responses.add(exchange.getRequest().getMethod().name() + " " + exchange.getRequest().getPath().value()
                    + " " + exchange.getResponse().getStatusCode().value());
            return Mono.empty();
        });
        return chain.filter(exchange);
    }

    List<String> responses() {
        return List.copyOf(this.responses);
    }

}
