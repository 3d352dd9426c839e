package io.eventrouter.benchmarks.server;

import java.nio.charset.StandardCharsets;

import io.eventrouter.benchmarks.Arguments;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The parsing baseline's work behind Spring WebFlux: one functional route, served by the same
 * Reactor Netty server through WebFlux's adapter, without Spring Boot, filters or observation.
 * It measures what WebFlux alone costs per request, which the router pays before any of its own
 * work, so that the router's targets can be read against the highest rate its stack allows.
 */
public final class WebFluxParsingServer {

    private static final byte[] INVALID_JSON = "{\"code\":400,\"error\":\"Invalid JSON request body\"}"
            .getBytes(StandardCharsets.US_ASCII);

    private final JsonMapper mapper = JsonMapper.builder().build();

    /** Starts listening on 127.0.0.1; port 0 picks a free port. */
    public DisposableServer start(int port) {
        HttpHandler handler = RouterFunctions.toHttpHandler(
                RouterFunctions.route(RequestPredicates.POST("/**"), this::handle));
        return HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle(new ReactorHttpHandlerAdapter(handler))
                .bindNow();
    }

    private Mono<ServerResponse> handle(ServerRequest request) {
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()))
                .map(WebFluxParsingServer::bytes)
                .defaultIfEmpty(new byte[0])
                .flatMap(this::respond);
    }

    private static byte[] bytes(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        }
        finally {
            DataBufferUtils.release(buffer);
        }
    }

    private Mono<ServerResponse> respond(byte[] body) {
        try {
            JsonNode upload = this.mapper.readTree(body);
            return ServerResponse.ok()
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(SuccessBody.of(upload.path("events").size(), body.length));
        }
        catch (JacksonException ex) {
            return ServerResponse.badRequest().contentType(MediaType.APPLICATION_JSON).bodyValue(INVALID_JSON);
        }
    }

    /** Runs the server until the process is killed. Option: {@code --port} (required). */
    public static void main(String[] args) {
        int port = Arguments.parse(args).intValue("port", 0);
        DisposableServer server = new WebFluxParsingServer().start(port);
        System.out.printf("WebFlux parsing server listening on 127.0.0.1:%d%n", server.port());
        server.onDispose().block();
    }

}
