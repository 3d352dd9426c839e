package io.eventrouter.bridge.throttle;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.handler.WebFluxResponseStatusExceptionHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ConnectionLimitIntegrationTests {

    private static final String UPLOAD = "{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"play\","
            + "\"device_id\":\"device-1\"}]}";

    private DisposableServer server;

    private ConnectionLimit limit;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.disposeNow();
        }
    }

    @Test
    void connectionBeyondCapGets429AndIsClosed() throws IOException {
        start(1);

        try (Socket first = connect()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> this.limit.openConnections() == 1);
            try (Socket second = connect()) {
                String response = post(second);

                assertThat(response).startsWith("HTTP/1.1 429");
                assertThat(response).containsIgnoringCase("connection: close");
                assertThat(response).contains("\"code\":429", "\"eps_threshold\":0");
            }
            assertThat(post(first)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void closedConnectionFreesItsPlace() throws IOException {
        start(1);
        try (Socket first = connect()) {
            assertThat(post(first)).startsWith("HTTP/1.1 200");
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> this.limit.openConnections() == 0);
        try (Socket next = connect()) {
            assertThat(post(next)).startsWith("HTTP/1.1 200");
        }
    }

    private void start(int maxConnections) {
        ClientBridge bridge = ClientBridge.builder(new AcceptingSource()).maxConnections(maxConnections).build();
        this.limit = bridge.connectionLimit().orElseThrow();
        WebHttpHandlerBuilder handler = WebHttpHandlerBuilder
                .webHandler(RouterFunctions.toWebHandler(bridge.routes()))
                .exceptionHandler(new WebFluxResponseStatusExceptionHandler());
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .doOnChannelInit(this.limit)
                .handle(new ReactorHttpHandlerAdapter(handler.build()))
                .bindNow();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", this.server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends one upload on the socket and returns the response's status line and headers and body. */
    private static String post(Socket socket) throws IOException {
        byte[] body = UPLOAD.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder response = new StringBuilder();
        int contentLength = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            response.append(line).append('\n');
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                contentLength = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        char[] content = new char[contentLength];
        int read = 0;
        while (read < contentLength) {
            int n = in.read(content, read, contentLength - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        return response.append('\n').append(content, 0, read).toString();
    }

    /** Accepts every submission at once. */
    private static final class AcceptingSource implements Source {

        @Override
        public SourceId id() {
            return SourceId.of("client-bridge");
        }

        @Override
        public Mono<Acceptance> submit(java.util.List<Event> events) {
            return Mono.just(new Acceptance(events.size()));
        }

    }

}
