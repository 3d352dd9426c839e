package io.eventrouter.bridge.proxy;

import java.net.SocketAddress;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AttributeKey;
import org.jspecify.annotations.Nullable;
import reactor.netty.ChannelPipelineConfigurer;
import reactor.netty.ConnectionObserver;
import reactor.netty.NettyPipeline;

/**
 * A handler that adds Amplitude's JSON error body and a CORS header to the responses Reactor Netty
 * sends by itself when a request's headers or URL are too long to decode, or its body is malformed,
 * such as a chunk with an invalid size. Netty sends them empty,
 * so a page on another origin gets only a failed request and no reason. The request's headers
 * were never read, so the CORS header allows any origin, whatever the bridge's allowed origins.
 * Only a connection whose request failed to decode is affected: other empty 400, 414 and 431
 * responses, such as one forwarded from an Experiment server, pass unchanged. Install it with
 * {@code HttpServer.doOnChannelInit}.
 */
@ChannelHandler.Sharable
public final class DecodingFailureBodies extends ChannelDuplexHandler implements ChannelPipelineConfigurer {

    /** The handler's name in the channel's pipeline. */
    public static final String NAME = "eventrouter.decodingFailureBodies";

    /** Set on a connection once a request on it failed to decode; Netty closes it after its response. */
    private static final AttributeKey<Boolean> DECODING_FAILED = AttributeKey.valueOf("eventrouter.decodingFailed");

    @Override
    public void onChannelInit(ConnectionObserver observer, Channel channel, @Nullable SocketAddress remoteAddress) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(NAME) == null) {
            pipeline.addAfter(NettyPipeline.HttpCodec, NAME, this);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (message instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()) {
            context.channel().attr(DECODING_FAILED).set(Boolean.TRUE);
        }
        context.fireChannelRead(message);
    }

    @Override
    public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
        if (message instanceof FullHttpResponse response && response.content().readableBytes() == 0
                && Boolean.TRUE.equals(context.channel().attr(DECODING_FAILED).get())) {
            String error = errorOf(response.status());
            if (error != null) {
                byte[] body = AmplitudeResponse.error(response.status().code(), error).build().toBytes();
                FullHttpResponse withBody = response.replace(Unpooled.wrappedBuffer(body));
                response.release();
                withBody.headers()
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                        .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
                context.write(withBody, promise);
                return;
            }
        }
        context.write(message, promise);
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

}
