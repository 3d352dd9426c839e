package io.eventrouter.bridge;

import java.util.function.Consumer;

import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunctions;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** A bridge served by Reactor Netty on an ephemeral loopback port, as an application serves it. */
final class BridgeServer implements AutoCloseable {

    private final RecordingSource source = new RecordingSource();

    private final DisposableServer server;

    private BridgeServer(Consumer<ClientBridge.Builder> settings) {
        ClientBridge.Builder builder = ClientBridge.builder(this.source);
        settings.accept(builder);
        ClientBridge bridge = builder.build();
        HttpHandler handler = RouterFunctions.toHttpHandler(bridge.routes(),
                HandlerStrategies.builder().webFilter(bridge.corsPolicy()).build());
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(new ReactorHttpHandlerAdapter(handler))
                .bindNow();
    }

    static BridgeServer start() {
        return new BridgeServer((builder) -> { });
    }

    static BridgeServer start(Consumer<ClientBridge.Builder> settings) {
        return new BridgeServer(settings);
    }

    RecordingSource source() {
        return this.source;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + this.server.port();
    }

    WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl(baseUrl()).build();
    }

    @Override
    public void close() {
        this.server.disposeNow();
    }

}
