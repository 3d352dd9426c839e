package io.eventrouter.bridge.throttle;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.netty.ChannelPipelineConfigurer;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;

/**
 * Caps the open connections of the Reactor Netty server that serves the bridge. Install it with
 * {@code HttpServer.doOnChannelInit(limit)}; the bridge's {@link RequestGate} then responds to every
 * request that arrives on a connection beyond the cap with a 429 and closes that connection.
 *
 * <p>Connections over the cap are marked rather than refused at accept time, so that the client
 * gets a response its SDK understands ("retry later") instead of a reset it may treat as a
 * transient network error. Only Reactor Netty is supported: on another server the gate finds no
 * channel and the cap does not apply.
 */
public final class ConnectionLimit implements ChannelPipelineConfigurer {

    private static final AttributeKey<Boolean> OVER_LIMIT = AttributeKey.valueOf("router.bridge.over-connection-limit");

    private final int maxConnections;

    private final AtomicInteger open = new AtomicInteger();

    /**
     * @param maxConnections the most connections served normally at once; at least 1
     */
    public ConnectionLimit(int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, but was " + maxConnections);
        }
        this.maxConnections = maxConnections;
    }

    @Override
    public void onChannelInit(ConnectionObserver observer, Channel channel, @Nullable SocketAddress remoteAddress) {
        if (this.open.incrementAndGet() > this.maxConnections) {
            channel.attr(OVER_LIMIT).set(Boolean.TRUE);
        }
        channel.closeFuture().addListener((future) -> this.open.decrementAndGet());
    }

    public int maxConnections() {
        return this.maxConnections;
    }

    /** Returns how many connections are open now. */
    public int openConnections() {
        return this.open.get();
    }

    /** Returns whether the request arrived on a connection opened beyond the cap. */
    static boolean isOverLimit(ServerRequest request) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request.exchange().getRequest());
        return nativeRequest instanceof Connection connection
                && Boolean.TRUE.equals(connection.channel().attr(OVER_LIMIT).get());
    }

}
