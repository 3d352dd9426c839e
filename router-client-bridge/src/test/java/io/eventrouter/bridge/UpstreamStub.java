package io.eventrouter.bridge;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** An upstream on a loopback port that records each request and responds with a fixed JSON body. */
final class UpstreamStub implements AutoCloseable {

    private final List<Recorded> requests = new CopyOnWriteArrayList<>();

    private final DisposableServer server;

    UpstreamStub(int status, String body) {
        this(status, body, Map.of());
    }

    /** An upstream that also sends {@code headers} with each response. */
    UpstreamStub(int status, String body, Map<String, String> headers) {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> request.receive().aggregate().asString(StandardCharsets.UTF_8)
                        .defaultIfEmpty("")
                        .flatMap((received) -> {
                            this.requests.add(new Recorded(request.method().name(), request.uri(),
                                    request.requestHeaders().copy(), received));
                            return response.status(status)
                                    .header("Content-Type", "application/json")
                                    .header("Cache-Control", "public, max-age=600")
                                    .headers(headersOf(headers))
                                    .sendString(Mono.just(body))
                                    .then();
                        }))
                .bindNow();
    }

    private static HttpHeaders headersOf(Map<String, String> headers) {
        HttpHeaders netty = new DefaultHttpHeaders();
        headers.forEach(netty::set);
        return netty;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + this.server.port());
    }

    List<Recorded> requests() {
        return List.copyOf(this.requests);
    }

    @Override
    public void close() {
        this.server.disposeNow();
    }

    record Recorded(String method, String uri, HttpHeaders headers, String body) {
    }

}
