package io.eventrouter.sdk;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks how many requests the HTTP transport keeps open, against a server that delays every
 * response until two requests are open at once.
 */
class HttpConcurrencyIntegrationTests {

    private static final byte[] SUCCESS = ("{\"code\":200,\"events_ingested\":1,\"payload_size_bytes\":1,"
            + "\"server_upload_time\":1}").getBytes(StandardCharsets.UTF_8);

    private final AtomicInteger open = new AtomicInteger();

    private final AtomicInteger maxOpen = new AtomicInteger();

    private final AtomicInteger requests = new AtomicInteger();

    private final CountDownLatch twoOpen = new CountDownLatch(2);

    private final ExecutorService serverThreads = Executors.newFixedThreadPool(4);

    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        this.server.createContext("/2/httpapi", this::answer);
        this.server.setExecutor(this.serverThreads);
        this.server.start();
    }

    @AfterEach
    void stopServer() {
        this.server.stop(0);
        this.serverThreads.shutdownNow();
    }

    private void answer(HttpExchange exchange) throws IOException {
        this.requests.incrementAndGet();
        this.maxOpen.accumulateAndGet(this.open.incrementAndGet(), Math::max);
        exchange.getRequestBody().readAllBytes();
        this.twoOpen.countDown();
        try {
            this.twoOpen.await(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.open.decrementAndGet();
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, SUCCESS.length);
        exchange.getResponseBody().write(SUCCESS);
        exchange.close();
    }

    @Test
    void keepsAtMostMaxRequestsInFlight() {
        try (EventPublisher publisher = EventPublisher.builder()
                .http(URI.create("http://127.0.0.1:" + this.server.getAddress().getPort()))
                .apiKey("0123456789abcdef")
                .maxBatchEvents(1)
                .maxRequestsInFlight(2)
                .build()) {
            List<Mono<Void>> published = List.of(
                    publisher.publish(publisher.track("First").userId("user-1").build()),
                    publisher.publish(publisher.track("Second").userId("user-1").build()),
                    publisher.publish(publisher.track("Third").userId("user-1").build()),
                    publisher.publish(publisher.track("Fourth").userId("user-1").build()));

            Mono.when(published).block(Duration.ofSeconds(10));

            assertThat(this.requests).hasValue(4);
            assertThat(this.maxOpen).hasValue(2);
        }
    }

}
