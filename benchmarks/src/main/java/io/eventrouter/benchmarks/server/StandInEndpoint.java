package io.eventrouter.benchmarks.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

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

/**
 * A fast local HTTP endpoint standing in for Amplitude's ingestion API: it takes any
 * {@code POST}, counts requests, events and bytes, and responds with Amplitude's success body, or
 * with a 503 when configured to fail. It can wait before responding, as a remote Amplitude does.
 *
 * <p>It does not parse bodies: it counts events by the occurrences of {@code "event_type"}, which
 * every valid event has once and the generated bodies carry nowhere else, so that the stand-in
 * spends as little CPU as possible. {@code GET /stats} returns the counters as one line,
 * {@code requests=N events=N bytes=N last_request_ms=T}, the last being the epoch milliseconds of
 * the latest request.
 */
public final class StandInEndpoint {

    private static final byte[] EVENT_MARKER = "\"event_type\"".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] UNAVAILABLE = "{\"code\":503,\"error\":\"Service unavailable, retry later\"}"
            .getBytes(StandardCharsets.US_ASCII);

    private final AtomicLong requests = new AtomicLong();

    private final AtomicLong events = new AtomicLong();

    private final AtomicLong bytes = new AtomicLong();

    private final AtomicLong lastRequestMillis = new AtomicLong();

    private final Duration delay;

    private final int status;

    private final Consumer<byte[]> bodyListener;

    /**
     * @param delay how long to wait before responding; zero responds at once
     * @param status 200 for Amplitude's success response, 503 for its overload response
     * @param bodyListener called with every request body before the response is sent
     */
    public StandInEndpoint(Duration delay, int status, Consumer<byte[]> bodyListener) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, but was " + delay);
        }
        if (status != 200 && status != 503) {
            throw new IllegalArgumentException("status must be 200 or 503, but was " + status);
        }
        this.delay = delay;
        this.status = status;
        this.bodyListener = Objects.requireNonNull(bodyListener, "bodyListener");
    }

    /** Starts listening on 127.0.0.1; port 0 picks a free port. */
    public DisposableServer start(int port) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle(this::handle)
                .bindNow();
    }

    public long requests() {
        return this.requests.get();
    }

    public long events() {
        return this.events.get();
    }

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        if (request.method().equals(HttpMethod.GET) && request.uri().startsWith("/stats")) {
            return response.sendString(Mono.just(stats())).then();
        }
        if (!request.method().equals(HttpMethod.POST)) {
            return response.status(405).send();
        }
        return request.receive()
                .aggregate()
                .asByteArray()
                .defaultIfEmpty(new byte[0])
                .flatMap((body) -> respondLater(response, body));
    }

    private Mono<Void> respondLater(HttpServerResponse response, byte[] body) {
        int eventCount = count(body);
        this.requests.incrementAndGet();
        this.events.addAndGet(eventCount);
        this.bytes.addAndGet(body.length);
        this.lastRequestMillis.set(System.currentTimeMillis());
        this.bodyListener.accept(body);
        Mono<Void> respond = Mono.defer(() -> respond(response, eventCount, body.length));
        return this.delay.isZero() ? respond : Mono.delay(this.delay).then(respond);
    }

    private Mono<Void> respond(HttpServerResponse response, int eventCount, int bodyLength) {
        byte[] answer = (this.status == 200) ? SuccessBody.of(eventCount, bodyLength) : UNAVAILABLE;
        return response.status(this.status)
                .header(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .sendByteArray(Mono.just(answer))
                .then();
    }

    private String stats() {
        return "requests=" + this.requests.get() + " events=" + this.events.get() + " bytes=" + this.bytes.get()
                + " last_request_ms=" + this.lastRequestMillis.get() + "\n";
    }

    /** Counts the occurrences of the event marker; a naive scan is enough for a 14-byte needle. */
    static int count(byte[] body) {
        int count = 0;
        int last = body.length - EVENT_MARKER.length;
        outer:
        for (int i = 0; i <= last; i++) {
            for (int j = 0; j < EVENT_MARKER.length; j++) {
                if (body[i + j] != EVENT_MARKER[j]) {
                    continue outer;
                }
            }
            count++;
            i += EVENT_MARKER.length - 1;
        }
        return count;
    }

    /**
     * Runs a stand-in until the process is killed. Options: {@code --port} (required),
     * {@code --delay-ms} (default 0) and {@code --status} (200 or 503, default 200).
     */
    public static void main(String[] args) {
        Arguments options = Arguments.parse(args);
        StandInEndpoint endpoint = new StandInEndpoint(Duration.ofMillis(options.intValue("delay-ms", 0)),
                options.intValue("status", 200), (body) -> {
                });
        DisposableServer server = endpoint.start(options.intValue("port", 0));
        System.out.printf("Stand-in endpoint listening on 127.0.0.1:%d, delay %s, status %d%n", server.port(),
                endpoint.delay, endpoint.status);
        server.onDispose().block();
    }

}
