package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.web.StalledConnections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

/** The bridge's own server in Servlet applications: the connections it keeps open and the headers it takes. */
class BridgeServerTests {

    private BridgeServer server;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.stop();
        }
    }

    /** Starts {@code bridge} on a free port of 127.0.0.1 and returns the URL of {@code path} on it. */
    private URI start(ClientBridge bridge, Duration idleTimeout, String path) {
        this.server = new BridgeServer(bridge, "127.0.0.1", 0, idleTimeout);
        this.server.start();
        return URI.create("http://127.0.0.1:" + this.server.port() + path);
    }

    @Test
    void closesConnectionStalledInItsHeaders() throws IOException {
        URI root = start(ClientBridge.builder(new NeverSource()).build(), Duration.ofSeconds(1), "/");

        StalledConnections.assertClosed(root.getPort());
    }

    @Test
    void respondsToLongHeadersInAmplitudesShape() throws Exception {
        URI upload = start(ClientBridge.builder(new NeverSource()).build(), Duration.ofSeconds(10), "/2/httpapi");
        HttpRequest request = HttpRequest.newBuilder(upload)
                .timeout(Duration.ofSeconds(10))
                .header("Origin", "https://shop.example")
                .header("Cookie", "site_cookie=" + "v".repeat(40_000))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(response.body()).isEqualTo("{\"code\":431,\"error\":\"Request headers too large\"}");
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains("*");
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    }

    @Test
    void keepsLongHeadersResponseForClientStillSending() throws Exception {
        URI upload = start(ClientBridge.builder(new NeverSource()).build(), Duration.ofSeconds(10), "/2/httpapi");

        try (Socket socket = new Socket(upload.getHost(), upload.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: site_cookie=" + "v".repeat(40_000)
                    + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(300);
            // The body goes on after the server responded, as from a client that writes it all first.
            out.write(new byte[100_000]);
            out.flush();
            Thread.sleep(300);

            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 431 ").endsWith("{\"code\":431,\"error\":\"Request headers too large\"}");
        }
    }

    @Test
    void respondsToMalformedChunkInAmplitudesShape() throws IOException {
        URI upload = start(ClientBridge.builder(new NeverSource()).build(), Duration.ofSeconds(10), "/2/httpapi");

        try (Socket socket = new Socket(upload.getHost(), upload.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();

            // Netty closes the connection after its 400, so the whole response is what it sent.
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 400 Bad Request\r\n")
                    .contains("\r\n\r\n{\"code\":400,\"error\":\"Malformed request\",");
        }
    }

    @Test
    void earlyResponseStaysTheOnlyOne() throws IOException {
        URI upload = start(ClientBridge.builder(new NeverSource()).build(), Duration.ofSeconds(10), "/2/httpapi");

        // The 405 goes out without the body being read; Netty then finds the chunk malformed.
        String responses = exchange(upload, "GET /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");

        assertThat(responses).startsWith("HTTP/1.1 405 ");
        assertThat(responses.split("HTTP/1\\.1 ", -1)).as(responses).hasSize(2);
    }

    @Test
    void pipelinedMalformedChunkClosesConnection() throws IOException {
        Source slow = new Source() {

            @Override
            public SourceId id() {
                return SourceId.of("slow");
            }

            @Override
            public Mono<Acceptance> submit(List<Event> events) {
                return Mono.just(new Acceptance(events.size())).delayElement(Duration.ofMillis(100));
            }

        };
        URI upload = start(ClientBridge.builder(slow).build(), Duration.ofSeconds(10), "/2/httpapi");
        String body = "{\"api_key\":\"key-1234567890\",\"events\":[{\"event_type\":\"e\",\"device_id\":\"device-1\"}]}";

        // The malformed request comes in the same write as an upload whose response is still on
        // its way. The connection closes after that response, since no later request can be read.
        String responses = exchange(upload, "POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                + "POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");

        assertThat(responses).startsWith("HTTP/1.1 200 ").contains("\"events_ingested\":1")
                .doesNotContain("Missing request body");
    }

    /** Writes {@code requests} on one connection and returns all it receives until the server closes it. */
    private static String exchange(URI server, String requests) throws IOException {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void respondsToLongUrlInAmplitudesShape() throws Exception {
        URI config = start(ClientBridge.builder(new NeverSource()).build(), Duration.ofSeconds(10),
                "/config/key?" + "x".repeat(5_000));

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(config)
                .timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(414);
        assertThat(response.body()).isEqualTo("{\"code\":414,\"error\":\"Request URL too long\"}");
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains("*");
    }

    @Test
    void leavesForwardedResponsesAlone() throws Exception {
        WireMockServer experiment = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        experiment.start();
        try {
            // An Experiment server that responds 414 with an empty body, which the router's own 414s never have.
            experiment.stubFor(get(urlPathEqualTo("/sdk/v2/vardata")).willReturn(aResponse().withStatus(414)));
            ClientBridge bridge = ClientBridge.builder(new NeverSource())
                    .experimentUrl(URI.create(experiment.baseUrl()))
                    .build();
            URI variants = start(bridge, Duration.ofSeconds(10), "/sdk/v2/vardata");

            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(variants)
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Api-Key client-deployment-key")
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(414);
            assertThat(response.body()).isEmpty();
        }
        finally {
            experiment.stop();
        }
    }

}
