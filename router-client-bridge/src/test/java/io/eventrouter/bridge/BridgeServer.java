package io.eventrouter.bridge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.test.web.reactive.server.WebTestClient;
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

    private final @Nullable RecordingSource source;

    private BridgeServer(ClientBridge bridge, @Nullable RecordingSource source) {
        HttpHandler handler = WebHttpHandlerBuilder
                .webHandler(RouterFunctions.toWebHandler(bridge.routes()))
                .filter(bridge.corsPolicy())
                .exceptionHandler(new WebFluxResponseStatusExceptionHandler())
                .build();
        HttpServer server = HttpServer.create().host("127.0.0.1").port(0);
        server = bridge.connectionLimit().map(server::doOnChannelInit).orElse(server);
        this.server = server.handle(new ReactorHttpHandlerAdapter(handler)).bindNow();
        this.source = source;
    }

    /** Serves a bridge built elsewhere. */
    static BridgeServer start(ClientBridge bridge) {
        return new BridgeServer(bridge, null);
    }

    /** Serves a bridge with default settings that submits to a {@link RecordingSource}. */
    static BridgeServer start() {
        return start((builder) -> { });
    }

    /** Serves a bridge that submits to a {@link RecordingSource}, with settings applied to its builder. */
    static BridgeServer start(Consumer<ClientBridge.Builder> settings) {
        RecordingSource source = new RecordingSource();
        ClientBridge.Builder builder = ClientBridge.builder(source);
        settings.accept(builder);
        return new BridgeServer(builder.build(), source);
    }

    RecordingSource source() {
        if (this.source == null) {
            throw new IllegalStateException("This server was started with a bridge built elsewhere");
        }
        return this.source;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + this.server.port();
    }

    WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl(baseUrl()).build();
    }

    /**
     * Posts a body with its {@code Content-Type} header sent exactly as given. WebTestClient
     * parses the header first and fails the request when it names a charset Java lacks.
     */
    HttpResponse<byte[]> postWithContentType(String path, String contentType, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while posting to " + path, ex);
        }
    }

    @Override
    public void close() {
        this.server.disposeNow();
    }

}
