package io.eventrouter.bridge.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.UploadRejectedException;
import io.eventrouter.core.event.Utf8;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;

/**
 * Reads a request body into memory, inflating {@code gzip} and {@code deflate} bodies, with a
 * limit on the bytes read and on the bytes inflated: a small body that inflates to gigabytes is
 * a 413, never an out-of-memory. Every failure is an {@link UploadRejectedException} carrying
 * Amplitude's response, for the handler to write in its protocol's shape, except a body that the
 * bridge's {@link BodyBudget} has no room for, which fails with the
 * {@link io.eventrouter.core.source.AcceptanceException} of an overloaded pipeline.
 *
 * <p>Charset: Amplitude's SDKs send UTF-8. A body whose {@code Content-Type} declares another
 * charset that Java supports is read in that charset, so that a client which labels its body
 * correctly is served, except a JSON body that is valid UTF-8 (see {@link #readUtf8}). A charset
 * Java does not support gets a 400 that names it.
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
        return readReceived(request, maxBytes, readTimeout).map(ReceivedBody::bytes);
    }

    /** Reads and inflates the body of {@code request} like {@link #read}, and keeps its size as sent. */
    private static Mono<ReceivedBody> readReceived(ServerRequest request, int maxBytes, Duration readTimeout) {
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > maxBytes) {
            return Mono.error(tooLarge());
        }
        String encoding = contentEncoding(request.headers().asHttpHeaders());
        BodyBudget.Reservation reservation = BodyBudget.reservation(request);
        Flux<DataBuffer> buffers = request.body(BodyExtractors.toDataBuffers());
        if (reservation != null) {
            buffers = budgeted(request, buffers, reservation, maxBytes);
        }
        return DataBufferUtils.join(buffers, maxBytes)
                .map(RequestBodies::toBytes)
                .defaultIfEmpty(new byte[0])
                .timeout(readTimeout)
                .onErrorMap(DataBufferLimitException.class, (ex) -> tooLarge())
                .onErrorMap(TimeoutException.class, (ex) -> rejected(408, "Request timeout"))
                // The client is gone and reads no response, but a rejection logs no server error.
                .onErrorMap(RequestBodies::isClosedByClient,
                        (ex) -> rejected(400, "The connection closed before the request body was complete"))
                .map((bytes) -> new ReceivedBody(decode(bytes, encoding, maxBytes, reservation), bytes.length));
    }

    /**
     * Counts each buffer of the body against the {@link BodyBudget} as it arrives, and keeps the
     * buffers until the body ends. The first buffer that does not fit rejects the body. Its kept
     * buffers are then released and their bytes given back at once, so that bodies arriving
     * together do not shut each other out, and the rest of the body is read and dropped. When the
     * body ends, it fails with the budget's refusal, so that the client reads a 503 rather than a
     * reset while it still sends. A body that goes on past {@code maxBytes} fails at once and
     * leaves its connection to close.
     */
    private static Flux<DataBuffer> budgeted(ServerRequest request, Flux<DataBuffer> buffers,
            BodyBudget.Reservation reservation, int maxBytes) {
        return Flux.defer(() -> {
            List<DataBuffer> kept = new ArrayList<>();
            AtomicBoolean rejected = new AtomicBoolean();
            AtomicLong received = new AtomicLong();
            Flux<DataBuffer> counted = buffers.handle((buffer, sink) -> {
                int count = buffer.readableByteCount();
                if (received.addAndGet(count) > maxBytes) {
                    DataBufferUtils.release(buffer);
                    BodyBudget.leftUnread(request);
                    sink.error(rejected.get() ? reservation.refusal() : tooLarge());
                    return;
                }
                if (!rejected.get() && reservation.tryTake(count)) {
                    kept.add(buffer);
                    return;
                }
                DataBufferUtils.release(buffer);
                if (rejected.compareAndSet(false, true)) {
                    releaseAll(kept);
                    reservation.giveBack();
                }
            });
            return counted
                    .concatWith(Flux.defer(() -> rejected.get() ? Flux.error(reservation.refusal())
                            : Flux.fromIterable(takeAll(kept))))
                    .doFinally((signal) -> releaseAll(kept));
        });
    }

    /** Returns the buffers of {@code kept} and empties it, so that they are released once only. */
    private static List<DataBuffer> takeAll(List<DataBuffer> kept) {
        List<DataBuffer> taken = List.copyOf(kept);
        kept.clear();
        return taken;
    }

    private static void releaseAll(List<DataBuffer> kept) {
        kept.forEach(DataBufferUtils::release);
        kept.clear();
    }

    /**
     * Reads and inflates the body of {@code request} like {@link #read}, and returns it in
     * UTF-8. A body that is valid UTF-8 is returned as read, whatever charset its
     * {@code Content-Type} declares: JSON has no charset parameter, and a client that labels a
     * UTF-8 body as Latin-1 would otherwise have every non-ASCII character garbled. Any other
     * body is transcoded from the declared charset. The size limit applies before transcoding,
     * so a transcoded body may be up to three times the limit.
     */
    static Mono<ReceivedBody> readUtf8(ServerRequest request, int maxBytes, Duration readTimeout) {
        String contentType = request.headers().asHttpHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
        String name = (contentType != null) ? charsetParameter(contentType) : null;
        Mono<ReceivedBody> body = readReceived(request, maxBytes, readTimeout);
        if (name == null || name.equalsIgnoreCase("utf-8") || name.equalsIgnoreCase("utf8")) {
            return body;
        }
        return body.map((received) -> Utf8.isValid(received.bytes()) ? received : transcoded(received, charset(name)));
    }

    /**
     * Transcodes a body to UTF-8. A body that is not valid in its charset either is returned as
     * read, so that the decoder rejects it as invalid UTF-8 instead of reading replacement
     * characters in place of the client's text.
     */
    private static ReceivedBody transcoded(ReceivedBody received, Charset charset) {
        try {
            byte[] bytes = received.bytes();
            return new ReceivedBody(Utf8.transcode(bytes, 0, bytes.length, charset), received.receivedBytes());
        }
        catch (CharacterCodingException ex) {
            return received;
        }
    }

    /**
     * A request body as the handler reads it, inflated and possibly transcoded.
     *
     * @param receivedBytes the size of the body as the client sent it, before inflating or transcoding
     */
    record ReceivedBody(byte[] bytes, int receivedBytes) {
    }


    /**
     * Returns the charset the request's {@code Content-Type} declares, or UTF-8 when it declares
     * none. Only the charset parameter is read, because the handlers accept a body whatever its
     * declared type, so a malformed type alone must not fail the request.
     *
     * @throws UploadRejectedException with a 400 when Java does not support the declared charset
     */
    static Charset charset(ServerRequest request) {
        String contentType = request.headers().asHttpHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
        String name = (contentType != null) ? charsetParameter(contentType) : null;
        return (name != null) ? charset(name) : StandardCharsets.UTF_8;
    }

    private static Charset charset(String name) {
        try {
            return Charset.forName(name);
        }
        catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
            throw rejected(400, "Unsupported charset '" + name + "' in the Content-Type header: "
                    + "send the body as UTF-8");
        }
    }

    /** Returns the value of the {@code charset} parameter of a media type, unquoted, or null. */
    private static @Nullable String charsetParameter(String contentType) {
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            int equals = parameter.indexOf('=');
            if (equals > 0 && parameter.substring(0, equals).trim().equalsIgnoreCase("charset")) {
                String value = parameter.substring(equals + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value.isEmpty() ? null : value;
            }
        }
        return null;
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

    private static byte[] decode(byte[] body, String encoding, int maxBytes,
            BodyBudget.@Nullable Reservation reservation) {
        return switch (encoding) {
            case "", "identity" -> requirePlain(body);
            case "gzip", "x-gzip" -> inflate(body, maxBytes, true, reservation);
            case "deflate" -> inflate(body, maxBytes, false, reservation);
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

    /**
     * Inflates {@code body}. Each part is counted against the reservation before it is kept, so
     * that many small compressed bodies inflating at once cannot fill the heap.
     */
    private static byte[] inflate(byte[] body, int maxBytes, boolean gzip,
            BodyBudget.@Nullable Reservation reservation) {
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
                if (reservation != null && !reservation.tryTake(read)) {
                    throw reservation.refusal();
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
