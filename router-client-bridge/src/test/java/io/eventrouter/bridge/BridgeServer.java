package io.eventrouter.bridge;

import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.handler.WebFluxResponseStatusExceptionHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real Reactor Netty server on an ephemeral loopback port serving one bridge, routes and CORS
 * filter both, the way a WebFlux application mounts them.
 */
final class BridgeServer implements AutoCloseable {

    private final DisposableServer server;

    private BridgeServer(DisposableServer server) {
        this.server = server;
    }

    static BridgeServer start(ClientBridge bridge) {
        HttpHandler handler = WebHttpHandlerBuilder
                .webHandler(RouterFunctions.toWebHandler(bridge.routes()))
                .filter(bridge.corsPolicy())
                .exceptionHandler(new WebFluxResponseStatusExceptionHandler())
                .build();
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(new ReactorHttpHandlerAdapter(handler))
                .bindNow();
        return new BridgeServer(server);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + this.server.port();
    }

    @Override
    public void close() {
        this.server.disposeNow();
    }

}
