package io.eventrouter.web.admin;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

import io.eventrouter.bridge.ingest.ResponseGuard;
import io.eventrouter.bridge.proxy.DecodingFailureBodies;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.netty.ChannelBindException;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A Reactor Netty server of its own for the operator endpoints, so that they can listen on an
 * address and port that the public ingestion port does not expose.
 *
 * <p>Boot's management port would also separate them, but it serves only Actuator endpoints and
 * needs the Actuator on the classpath; this server needs neither and serves plain functional
 * routes.
 *
 * <p>It closes connections idle for 75 s, as the standalone router's main port does. Without that
 * limit, Netty keeps open a connection that sends nothing, stops in its headers, or stops in a body
 * that the handler responded to without reading, such as after a 401. Even a client without the
 * token could then hold connections open.
 */
public final class AdminServer implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(AdminServer.class);

    /** Idle timeout of the standalone router's main port, which outlasts the 60 s of common load balancers. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(75);

    private final String address;

    private final int port;

    private final RouterFunction<ServerResponse> routes;

    private final Duration idleTimeout;

    private volatile @Nullable DisposableServer server;

    /**
     * @param address the address to bind, such as {@code 127.0.0.1}
     * @param port the port to bind, or 0 for any free port
     */
    public AdminServer(String address, int port, RouterFunction<ServerResponse> routes) {
        this(address, port, routes, IDLE_TIMEOUT);
    }

    /** @param idleTimeout how long a connection may send nothing, in or between requests, before it closes */
    AdminServer(String address, int port, RouterFunction<ServerResponse> routes, Duration idleTimeout) {
        this.address = Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("router.admin.port must be between 0 and 65535, but was " + port);
        }
        this.port = port;
        this.routes = Objects.requireNonNull(routes, "routes");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    @Override
    public void start() {
        RouterFunction<ServerResponse> routes = this.routes.and(RouterFunctions.route(RequestPredicates.all(),
                AdminServer::notFound).filter(new ResponseGuard()));
        ReactorHttpHandlerAdapter adapter = new ReactorHttpHandlerAdapter(RouterFunctions.toHttpHandler(routes));
        DisposableServer started;
        try {
            started = HttpServer.create()
                    .host(this.address)
                    .port(this.port)
                    .idleTimeout(this.idleTimeout)
                    // A request Netty cannot decode gets the same body as on the main port.
                    .doOnChannelInit(new DecodingFailureBodies())
                    .handle(adapter)
                    .bindNow();
        }
        catch (ChannelBindException ex) {
            // AdminServerBindFailureAnalyzer turns this into a short report naming the property.
            throw new AdminServerBindException(this.address, this.port, ex);
        }
        this.server = started;
        logger.info("Admin endpoints listening: address={} port={}", this.address, started.port());
    }

    /**
     * Creates the response to a request no admin route matches, in the JSON shape of the admin
     * endpoints' errors. Without it, the server sends an empty 404. A known path with another
     * method gets it too, because functional routes have no 405 of their own.
     */
    private static Mono<ServerResponse> notFound(ServerRequest request) {
        return ServerResponse.status(HttpStatus.NOT_FOUND)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"code\":404,\"error\":\"Not found: no admin endpoint serves this method and path\"}");
    }

    @Override
    public void stop() {
        DisposableServer running = this.server;
        if (running != null) {
            running.disposeNow(Duration.ofSeconds(10));
            this.server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return this.server != null;
    }

    /** Returns the bound port, which differs from the configured one when that was 0. */
    public int port() {
        DisposableServer running = this.server;
        if (running == null) {
            throw new IllegalStateException("The admin server is not running");
        }
        return ((InetSocketAddress) running.address()).getPort();
    }

}
