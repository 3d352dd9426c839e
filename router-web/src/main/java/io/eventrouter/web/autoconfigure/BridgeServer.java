package io.eventrouter.web.autoconfigure;

import java.time.Duration;
import java.util.Objects;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.bridge.proxy.DecodingFailureBodies;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunctions;
import reactor.netty.ChannelBindException;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Serves the client bridge on a Reactor Netty server of its own, for Servlet applications: the
 * bridge is written for WebFlux, and a Servlet container cannot run WebFlux routes on its
 * threads without blocking them.
 *
 * <p>It starts after the pipeline and stops before it, so no upload reaches a stopped pipeline.
 */
public class BridgeServer implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(BridgeServer.class);

    /** After the pipeline, which starts at {@link PipelineLifecycle#PHASE}. */
    static final int PHASE = PipelineLifecycle.PHASE + 1024;

    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Maximum size of a request's headers, as in the standalone router. Browsers send every cookie
     * of the site's domain, which can pass Netty's default of 8 KB.
     */
    static final int MAX_HEADER_BYTES = 32 * 1024;

    /** Time a connection may stay idle or stall in its headers, longer than the 60 s of common load balancers. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(75);

    private final ClientBridge bridge;

    private final @Nullable String address;

    private final int port;

    private final Duration idleTimeout;

    private volatile @Nullable DisposableServer server;

    /**
     * @param address the address to bind, or {@code null} or blank for every interface
     * @param port the port to bind; 0 picks a free one
     */
    public BridgeServer(ClientBridge bridge, @Nullable String address, int port) {
        this(bridge, address, port, IDLE_TIMEOUT);
    }

    BridgeServer(ClientBridge bridge, @Nullable String address, int port, Duration idleTimeout) {
        this.bridge = Objects.requireNonNull(bridge, "bridge");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("router.bridge.port must be between 0 and 65535, but was " + port);
        }
        this.address = (address != null && !address.isBlank()) ? address : null;
        this.port = port;
    }

    @Override
    public void start() {
        HttpHandler handler = RouterFunctions.toHttpHandler(this.bridge.routes(),
                HandlerStrategies.builder().webFilter(this.bridge.corsPolicy()).build());
        HttpServer server = HttpServer.create()
                .port(this.port)
                .idleTimeout(this.idleTimeout)
                .httpRequestDecoder((decoder) -> decoder.maxHeaderSize(MAX_HEADER_BYTES))
                .doOnChannelInit(new DecodingFailureBodies());
        server = this.bridge.connectionLimit().map(server::doOnChannelInit).orElse(server);
        if (this.address != null) {
            server = server.host(this.address);
        }
        DisposableServer started;
        try {
            started = server.handle(new ReactorHttpHandlerAdapter(handler)).bindNow();
        }
        catch (ChannelBindException ex) {
            // BridgeServerBindFailureAnalyzer turns this into a short report naming the property.
            throw new BridgeServerBindException(this.address, this.port, ex);
        }
        this.server = started;
        logger.info("Client bridge listening on its own server: address={} port={}", started.host(), started.port());
    }

    @Override
    public void stop() {
        DisposableServer started = this.server;
        if (started != null) {
            started.disposeNow(SHUTDOWN_TIMEOUT);
            this.server = null;
            logger.info("Client bridge server stopped");
        }
    }

    @Override
    public boolean isRunning() {
        return this.server != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Returns the port the server is bound to, which differs from the configured one when that
     * was 0.
     *
     * @throws IllegalStateException when the server is not running
     */
    public int port() {
        DisposableServer started = this.server;
        if (started == null) {
            throw new IllegalStateException("The bridge server is not running");
        }
        return started.port();
    }

}
