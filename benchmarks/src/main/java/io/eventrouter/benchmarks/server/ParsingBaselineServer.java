package io.eventrouter.benchmarks.server;

import java.nio.charset.StandardCharsets;

import io.eventrouter.benchmarks.Arguments;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The baseline the router's ingestion is measured against: a bare Reactor Netty server that
 * reads each request body, parses it into a Jackson tree and responds with Amplitude's success
 * body. It is about the least a server can do that looks at every event, so the router's
 * validation, spooling and dispatch are measured as a fraction of it.
 */
public final class ParsingBaselineServer {

    private static final byte[] INVALID_JSON = "{\"code\":400,\"error\":\"Invalid JSON request body\"}"
            .getBytes(StandardCharsets.US_ASCII);

    private final JsonMapper mapper = JsonMapper.builder().build();

    /** Starts listening on 127.0.0.1; port 0 picks a free port. */
    public DisposableServer start(int port) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle(this::handle)
                .bindNow();
    }

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        if (!request.method().equals(HttpMethod.POST)) {
            return response.status(405).send();
        }
        return request.receive()
                .aggregate()
                .asByteArray()
                .defaultIfEmpty(new byte[0])
                .flatMap((body) -> respond(response, body));
    }

    private Mono<Void> respond(HttpServerResponse response, byte[] body) {
        int status = 200;
        byte[] answer;
        try {
            JsonNode upload = this.mapper.readTree(body);
            answer = SuccessBody.of(upload.path("events").size(), body.length);
        }
        catch (JacksonException ex) {
            status = 400;
            answer = INVALID_JSON;
        }
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .sendByteArray(Mono.just(answer))
                .then();
    }

    /** Runs the baseline until the process is killed. Option: {@code --port} (required). */
    public static void main(String[] args) {
        int port = Arguments.parse(args).intValue("port", 0);
        DisposableServer server = new ParsingBaselineServer().start(port);
        System.out.printf("Parsing baseline listening on 127.0.0.1:%d%n", server.port());
        server.onDispose().block();
    }

}
