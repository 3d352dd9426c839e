package io.eventrouter.benchmarks.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.eventrouter.benchmarks.upload.UploadBodies;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

class StandInEndpointIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private DisposableServer server;

    @AfterEach
    void stopServer() {
        if (this.server != null) {
            this.server.disposeNow();
        }
    }

    @Test
    void respondsWithAmplitudeSuccessBody() {
        StandInEndpoint endpoint = new StandInEndpoint(Duration.ZERO, 200, (body) -> {
        });
        this.server = endpoint.start(0);

        Response response = post(new UploadBodies(1).bodies(1, 10).get(0));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).startsWith("{\"code\":200,\"events_ingested\":10,");
    }

    @Test
    void countsRequestsAndEvents() {
        StandInEndpoint endpoint = new StandInEndpoint(Duration.ZERO, 200, (body) -> {
        });
        this.server = endpoint.start(0);

        post(new UploadBodies(1).bodies(1, 10).get(0));
        post(new UploadBodies(2).bodies(1, 100).get(0));

        assertThat(endpoint.requests()).isEqualTo(2);
        assertThat(endpoint.events()).isEqualTo(110);
        assertThat(get("/stats")).startsWith("requests=2 events=110 bytes=");
    }

    @Test
    void respondsWith503WhenConfiguredToFail() {
        StandInEndpoint endpoint = new StandInEndpoint(Duration.ZERO, 503, (body) -> {
        });
        this.server = endpoint.start(0);

        Response response = post(new UploadBodies(1).bodies(1, 10).get(0));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("\"code\":503");
    }

    @Test
    void passesEveryBodyToListener() {
        AtomicInteger bodies = new AtomicInteger();
        StandInEndpoint endpoint = new StandInEndpoint(Duration.ZERO, 200, (body) -> bodies.incrementAndGet());
        this.server = endpoint.start(0);

        post(new UploadBodies(1).bodies(1, 10).get(0));

        assertThat(bodies).hasValue(1);
    }

    @Test
    void countsEventMarkersInBody() {
        byte[] body = "{\"events\":[{\"event_type\":\"a\"},{\"event_type\":\"b\"}]}".getBytes(StandardCharsets.UTF_8);

        assertThat(StandInEndpoint.count(body)).isEqualTo(2);
    }

    private Response post(byte[] body) {
        return HttpClient.create()
                .post()
                .uri("http://127.0.0.1:" + this.server.port() + "/2/httpapi")
                .send(ByteBufFlux.fromInbound(Mono.just(Unpooled.wrappedBuffer(body))))
                .responseSingle((response, content) -> content.asString()
                        .defaultIfEmpty("")
                        .map((text) -> new Response(response.status().code(), text)))
                .block(TIMEOUT);
    }

    private String get(String path) {
        return HttpClient.create()
                .get()
                .uri("http://127.0.0.1:" + this.server.port() + path)
                .responseContent()
                .aggregate()
                .asString()
                .block(TIMEOUT);
    }

    private record Response(int status, String body) {
    }

}
