package io.eventrouter.bridge.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.UploadRejectedException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;

/**
 * Reads a request body into memory, inflating {@code gzip} and {@code deflate} bodies, with a
 * limit on the bytes read and on the bytes inflated: a small body that inflates to gigabytes is
 * a 413, never an out-of-memory. Every failure is an {@link UploadRejectedException} carrying
 * Amplitude's response, for the handler to write in its protocol's shape.
 */
public final class RequestBodies {

    private static final int GZIP_MAGIC_FIRST = 0x1f;

    private static final int GZIP_MAGIC_SECOND = 0x8b;

    private RequestBodies() {
    }

    /**
     * Reads and inflates the body of {@code request}; an empty body reads as no bytes.
     *
     * @param maxBytes the most bytes of the body, both as sent and after inflating
     * @param readTimeout the longest the client may take to send the whole body
     */
    public static Mono<byte[]> read(ServerRequest request, int maxBytes, Duration readTimeout) {
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > maxBytes) {
            return Mono.error(tooLarge());
        }
        String encoding = contentEncoding(request.headers().asHttpHeaders());
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), maxBytes)
                .map(RequestBodies::toBytes)
                .defaultIfEmpty(new byte[0])
                .timeout(readTimeout)
                .onErrorMap(DataBufferLimitException.class, (ex) -> tooLarge())
                .onErrorMap(TimeoutException.class, (ex) -> rejected(408, "Request timeout"))
                // The client is gone and reads no response, but a rejection logs no server error.
                .onErrorMap(RequestBodies::isClosedByClient,
                        (ex) -> rejected(400, "The connection closed before the request body was complete"))
                .map((bytes) -> decode(bytes, encoding, maxBytes));
    }

    /** Returns whether {@code error} means the client closed or reset its connection. */
    public static boolean isClosedByClient(Throwable error) {
        return error instanceof AbortedException || AbortedException.isConnectionReset(error);
    }

    private static String contentEncoding(HttpHeaders headers) {
        String value = headers.getFirst(HttpHeaders.CONTENT_ENCODING);
        return (value == null) ? "identity" : value.trim().toLowerCase(Locale.ROOT);
    }

    private static byte[] toBytes(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        }
        finally {
            DataBufferUtils.release(buffer);
        }
    }

    static byte[] decode(byte[] body, String encoding, int maxBytes) {
        return switch (encoding) {
            case "", "identity" -> requirePlain(body);
            case "gzip", "x-gzip" -> inflate(body, maxBytes, true);
            case "deflate" -> inflate(body, maxBytes, false);
            default -> throw rejected(415, "Unsupported Content-Encoding '" + encoding
                    + "': send the body uncompressed, gzip or deflate");
        };
    }

    private static byte[] requirePlain(byte[] body) {
        if (body.length >= 2 && (body[0] & 0xFF) == GZIP_MAGIC_FIRST && (body[1] & 0xFF) == GZIP_MAGIC_SECOND) {
            throw rejected(400, "The request body is gzip-compressed but has no Content-Encoding header: "
                    + "send it with Content-Encoding: gzip");
        }
        return body;
    }

    private static byte[] inflate(byte[] body, int maxBytes, boolean gzip) {
        if (body.length == 0) {
            return body;
        }
        try (InputStream in = gzip ? new GZIPInputStream(new ByteArrayInputStream(body))
                : new InflaterInputStream(new ByteArrayInputStream(body), new Inflater(!hasZlibHeader(body)))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, body.length * 4));
            byte[] chunk = new byte[8192];
            int read;
            while ((read = in.read(chunk)) != -1) {
                if (out.size() + read > maxBytes) {
                    throw tooLarge();
                }
                out.write(chunk, 0, read);
            }
            return out.toByteArray();
        }
        catch (IOException ex) {
            throw rejected(400, "The request body is not valid " + (gzip ? "gzip" : "deflate") + " data");
        }
    }

    /**
     * HTTP's {@code deflate} means a zlib stream, but some clients send raw deflate data; a zlib
     * stream starts with a header whose first two bytes, read as a number, divide by 31.
     */
    private static boolean hasZlibHeader(byte[] body) {
        return body.length >= 2 && (body[0] & 0x0F) == 8 && (((body[0] & 0xFF) << 8) | (body[1] & 0xFF)) % 31 == 0;
    }

    private static UploadRejectedException tooLarge() {
        return new UploadRejectedException(AmplitudeResponse.payloadTooLarge());
    }

    static UploadRejectedException rejected(int code, String error) {
        return new UploadRejectedException(AmplitudeResponse.error(code, error).build());
    }

}
