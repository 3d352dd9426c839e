package io.eventrouter.bridge.proxy;

import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.TimeUnit;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import reactor.netty.ChannelPipelineConfigurer;
import reactor.netty.ConnectionObserver;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServerRequest;

/**
 * A handler that adds Amplitude's JSON error body and a CORS header to the responses Reactor Netty
 * sends by itself when a request's headers or URL are too long to decode, or its body is malformed,
 * such as a chunk with an invalid size. Netty sends them empty,
 * so a page on another origin gets only a failed request and no reason. The request's headers
 * were never read, so the CORS header allows any origin, whatever the bridge's allowed origins.
 * Spring sends an empty 400 of its own for a request whose URL is not a valid URI, such as one
 * with {@code %ZZ} in it, before any filter or route runs. That response gets the same body and
 * CORS header, since the bridge's CORS policy never saw the request either. Other empty 400, 414
 * and 431 responses, such as one forwarded from an Experiment server, pass unchanged.
 *
 * <p>It also keeps one response per request once a body fails to decode. A request that a route
 * responded to before reading its body keeps that response, and Netty's own 400 that would
 * follow is dropped. When a malformed request is pipelined behind another, the connection closes
 * after the other's response, since Netty reads nothing more from it. Such a connection closes
 * only once its client stops sending, so that the client reads the response (see
 * {@link #close}). Install it with {@code HttpServer.doOnChannelInit}.
 */
@ChannelHandler.Sharable
public final class DecodingFailureBodies extends ChannelDuplexHandler implements ChannelPipelineConfigurer {

    /** The handler's name in the channel's pipeline. */
    public static final String NAME = "eventrouter.decodingFailureBodies";

    /**
     * How long a connection whose request failed to decode goes on reading after its response
     * before it closes, at most.
     */
    private static final long LINGER_MILLIS = 2_000;

    /** The requests and responses of one connection, and whether a request on it failed to decode. */
    private static final AttributeKey<Exchanges> EXCHANGES = AttributeKey.valueOf("eventrouter.exchanges");

    @Override
    public void onChannelInit(ConnectionObserver observer, Channel channel, @Nullable SocketAddress remoteAddress) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(NAME) == null) {
            pipeline.addAfter(NettyPipeline.HttpCodec, NAME, this);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        Exchanges exchanges = exchanges(context);
        if (message instanceof HttpRequest) {
            exchanges.requests++;
        }
        if (message instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()) {
            exchanges.decodingFailed = true;
        }
        context.fireChannelRead(message);
    }

    @Override
    public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
        Exchanges exchanges = exchanges(context);
        if (message instanceof LastHttpContent) {
            exchanges.responses++;
        }
        if (!exchanges.decodingFailed) {
            String invalidUrl = isEmpty(message, HttpResponseStatus.BAD_REQUEST) ? invalidUrl(context) : null;
            context.write((invalidUrl != null) ? withBody((FullHttpResponse) message, invalidUrl) : message, promise);
            return;
        }
        String error = (message instanceof FullHttpResponse full && full.content().readableBytes() == 0)
                ? errorOf(full.status()) : null;
        if (error == null) {
            // A response to a request read before the malformed one, which was pipelined behind it.
            // Netty reads nothing more on this connection, so it closes after this response.
            ChannelPromise written = (message instanceof LastHttpContent) ? promise.unvoid() : promise;
            context.write(message, written);
            if (message instanceof LastHttpContent) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        if (exchanges.responses > exchanges.requests) {
            // A route responded before Netty found the body malformed, as one does that responds
            // without reading the body. A second response would be read as the next request's.
            ReferenceCountUtil.release(message);
            promise.trySuccess();
            context.close();
            return;
        }
        context.write(withBody((FullHttpResponse) message, error), promise);
    }

    /**
     * Closes a connection whose request failed to decode only once its client stopped sending, or
     * after {@link #LINGER_MILLIS}. Closed with the rest of that request unread, as after headers
     * over the limit, the kernel resets the connection, and a client still sending the request
     * loses the response before it reads it. So the output shuts down after the response, and the
     * connection reads and drops what comes in until the client closes its side, which closes the
     * channel, as nginx's lingering close does.
     */
    @Override
    public void close(ChannelHandlerContext context, ChannelPromise promise) {
        Exchanges exchanges = exchanges(context);
        if (!exchanges.decodingFailed || exchanges.lingering || !(context.channel() instanceof DuplexChannel duplex)
                || !duplex.isActive() || duplex.isOutputShutdown()) {
            context.close(promise);
            return;
        }
        exchanges.lingering = true;
        ScheduledFuture<?> deadline = context.executor().schedule(() -> context.close(promise), LINGER_MILLIS,
                TimeUnit.MILLISECONDS);
        duplex.closeFuture().addListener((closed) -> {
            deadline.cancel(false);
            promise.trySuccess();
        });
        duplex.shutdownOutput().addListener((shutdown) -> {
            if (!shutdown.isSuccess()) {
                context.close();
            }
        });
        duplex.config().setAutoRead(true);
        duplex.read();
    }

    /** Replaces the empty body of {@code response} with Amplitude's error body, and releases it. */
    private static FullHttpResponse withBody(FullHttpResponse response, String error) {
        byte[] body = AmplitudeResponse.error(response.status().code(), error).build().toBytes();
        FullHttpResponse withBody = response.replace(Unpooled.wrappedBuffer(body));
        response.release();
        withBody.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        return withBody;
    }

    private static boolean isEmpty(Object message, HttpResponseStatus status) {
        return message instanceof FullHttpResponse full && full.status().equals(status)
                && full.content().readableBytes() == 0;
    }

    /**
     * Returns the error for the URL of the current request when it is not a valid URI, or null
     * when it is. Spring's {@code ReactorHttpHandlerAdapter} responds to such a request with an
     * empty 400 before any filter or route runs, so only empty 400s are checked.
     */
    private static @Nullable String invalidUrl(ChannelHandlerContext context) {
        if (!(ChannelOperations.get(context.channel()) instanceof HttpServerRequest request)) {
            return null;
        }
        try {
            new URI(request.uri());
            return null;
        }
        catch (URISyntaxException ex) {
            // The reason and position only: the URL itself may carry an API key.
            return "Invalid request URL: " + ex.getReason() + " at index " + ex.getIndex();
        }
    }

    private static Exchanges exchanges(ChannelHandlerContext context) {
        Exchanges exchanges = context.channel().attr(EXCHANGES).get();
        if (exchanges == null) {
            exchanges = new Exchanges();
            context.channel().attr(EXCHANGES).set(exchanges);
        }
        return exchanges;
    }

    private static @Nullable String errorOf(HttpResponseStatus status) {
        if (status.equals(HttpResponseStatus.BAD_REQUEST)) {
            return "Malformed request";
        }
        if (status.equals(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)) {
            return "Request headers too large";
        }
        if (status.equals(HttpResponseStatus.REQUEST_URI_TOO_LONG)) {
            return "Request URL too long";
        }
        return null;
    }

    /** Counts of one connection, touched only on its event loop. */
    private static final class Exchanges {

        int requests;

        int responses;

        boolean decodingFailed;

        /** Whether the connection reads on until its client closes, before it closes itself. */
        boolean lingering;

    }

}
