package io.eventrouter.benchmark.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A fast local HTTPS endpoint standing in for Amplitude's HTTP V2 API: it counts the events of
 * each upload and replies with Amplitude's success body. It parses nothing but the count, by
 * scanning the (gunzipped) body for {@code "insert_id":"}, so every benchmark event carries an
 * insert id. With {@code --track-ids} it also keeps every insert id it received, for the outage
 * test's check that nothing accepted was lost.
 *
 * <p>Control routes on the same port: {@code GET /stats} answers
 * {@code received distinct connections uploads}: events, distinct insert ids, TLS connections
 * opened and successful uploads since the last reset. {@code POST /down} makes uploads fail
 * with 503 until {@code POST /up}, and {@code POST /reset} zeroes the counters.
 *
 * <p>Usage: {@code Endpoint PORT [--track-ids]}.
 */
public final class Endpoint {

    private static final byte[] MARKER = "\"insert_id\":\"".getBytes(StandardCharsets.US_ASCII);

    private final AtomicLong received = new AtomicLong();

    private final AtomicLong connections = new AtomicLong();

    private final AtomicLong uploads = new AtomicLong();

    private final Set<String> insertIds = ConcurrentHashMap.newKeySet();

    private final AtomicBoolean down = new AtomicBoolean();

    private final boolean trackIds;

    private Endpoint(boolean trackIds) {
        this.trackIds = trackIds;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        boolean trackIds = args.length > 1 && "--track-ids".equals(args[1]);
        Endpoint endpoint = new Endpoint(trackIds);
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .doOnChannelInit((observer, channel, address) -> endpoint.connections.incrementAndGet())
                .secure((spec) -> spec.sslContext(Http11SslContextSpec.forServer(Tls.keyManagers())))
                .route((routes) -> routes
                        .post("/2/httpapi", endpoint::upload)
                        .get("/stats", (request, response) -> response.sendString(Mono.just(endpoint.stats())))
                        .post("/down", (request, response) -> endpoint.switchTo(true, response))
                        .post("/up", (request, response) -> endpoint.switchTo(false, response))
                        .post("/reset", (request, response) -> endpoint.reset(response)))
                .bindNow();
        System.out.println("endpoint listening on https://127.0.0.1:" + server.port());
        server.onDispose().block();
    }

    private Mono<Void> upload(HttpServerRequest request, HttpServerResponse response) {
        boolean gzip = "gzip".equalsIgnoreCase(request.requestHeaders().get("Content-Encoding"));
        return request.receive().aggregate().asInputStream().defaultIfEmpty(InputStream.nullInputStream())
                .flatMap((body) -> {
                    if (this.down.get()) {
                        return response.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send();
                    }
                    byte[] json = read(body, gzip);
                    int events = count(json);
                    this.received.addAndGet(events);
                    this.uploads.incrementAndGet();
                    String answer = "{\"code\":200,\"events_ingested\":" + events + ",\"payload_size_bytes\":"
                            + json.length + ",\"server_upload_time\":" + System.currentTimeMillis() + "}";
                    return response.header("Content-Type", "application/json").sendString(Mono.just(answer)).then();
                });
    }

    private static byte[] read(InputStream body, boolean gzip) {
        try (InputStream in = gzip ? new GZIPInputStream(body, 8192) : body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
            in.transferTo(out);
            return out.toByteArray();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        finally {
            // Closing releases Netty's buffer; the gzip stream closed it already when there was one.
            if (body instanceof ByteBufInputStream) {
                try {
                    body.close();
                }
                catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
        }
    }

    private int count(byte[] json) {
        int events = 0;
        int last = json.length - MARKER.length;
        for (int i = 0; i <= last; i++) {
            if (json[i] == '"' && matches(json, i)) {
                events++;
                int start = i + MARKER.length;
                if (this.trackIds) {
                    int end = start;
                    while (end < json.length && json[end] != '"') {
                        end++;
                    }
                    this.insertIds.add(new String(json, start, end - start, StandardCharsets.US_ASCII));
                }
                i = start - 1;
            }
        }
        return events;
    }

    private static boolean matches(byte[] json, int at) {
        for (int j = 1; j < MARKER.length; j++) {
            if (json[at + j] != MARKER[j]) {
                return false;
            }
        }
        return true;
    }

    private String stats() {
        return this.received.get() + " " + this.insertIds.size() + " " + this.connections.get() + " "
                + this.uploads.get();
    }

    private Mono<Void> switchTo(boolean down, HttpServerResponse response) {
        this.down.set(down);
        return response.sendString(Mono.just(down ? "down" : "up")).then();
    }

    private Mono<Void> reset(HttpServerResponse response) {
        this.received.set(0);
        this.connections.set(0);
        this.uploads.set(0);
        this.insertIds.clear();
        return response.sendString(Mono.just("reset")).then();
    }

}
