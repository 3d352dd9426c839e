package io.eventrouter.bridge.ingest;

import java.time.Clock;
import java.util.List;

import io.eventrouter.bridge.privacy.ClientAddressResolver;
import io.eventrouter.bridge.privacy.RemoteAddressFiller;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.amplitude.UploadRejectedException;
import io.eventrouter.core.amplitude.UploadRequest;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Handles {@code POST /2/httpapi} and {@code POST /batch}: reads the body whatever its declared
 * content type (browsers send {@code sendBeacon} uploads as {@code text/plain}), validates it as
 * Amplitude does, fills in the client address and submits the events to the pipeline. The response
 * is Amplitude's success body once the pipeline has accepted every event; resent events the
 * pipeline recognised as duplicates count as ingested, so that the SDK stops resending them.
 */
public final class HttpApiHandler {

    private static final Logger logger = LoggerFactory.getLogger(HttpApiHandler.class);

    private final Source source;

    private final int maxBodyBytes;

    private final UploadDecoder decoder = new UploadDecoder();

    private final ClientAddressResolver addresses;

    private final RemoteAddressFiller addressFiller = new RemoteAddressFiller();

    private final Clock clock;

    /**
     * @param source the pipeline source the bridge submits to
     * @param maxBodyBytes the largest body accepted; Amplitude's limit is 1 MB for
     *        {@code /2/httpapi} and 20 MB for {@code /batch}
     */
    public HttpApiHandler(Source source, int maxBodyBytes, ClientAddressResolver addresses, Clock clock) {
        this.source = source;
        this.maxBodyBytes = maxBodyBytes;
        this.addresses = addresses;
        this.clock = clock;
    }

    public Mono<ServerResponse> upload(ServerRequest request) {
        return readBody(request)
                .flatMap((body) -> accept(request, body))
                .onErrorResume(UploadRejectedException.class, (ex) -> answer(ex.response()))
                .onErrorResume(AcceptanceException.class, HttpApiHandler::unavailable)
                .onErrorResume(DataBufferLimitException.class, (ex) -> answer(AmplitudeResponse.payloadTooLarge()));
    }

    private Mono<byte[]> readBody(ServerRequest request) {
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), this.maxBodyBytes)
                .map(HttpApiHandler::toBytes)
                .defaultIfEmpty(new byte[0]);
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

    private Mono<ServerResponse> accept(ServerRequest request, byte[] body) {
        UploadRequest upload = this.decoder.decode(body);
        List<Event> events = this.addresses.resolve(request)
                .map((address) -> this.addressFiller.fill(upload.events(), address))
                .orElse(upload.events());
        return this.source.submit(events)
                .flatMap((acceptance) -> answer(AmplitudeResponse.success(acceptance.ingested(), body.length,
                        this.clock.millis())));
    }

    private static Mono<ServerResponse> unavailable(AcceptanceException ex) {
        logger.warn("Upload not accepted, responding with 503: reason={}", ex.reason());
        long seconds = Math.max(1, ex.retryAfter().toSeconds());
        return ServerResponse.status(503)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(AmplitudeResponse.error(503, "Service unavailable, retry later").build().toBytes());
    }

    static Mono<ServerResponse> answer(AmplitudeResponse response) {
        return ServerResponse.status(response.code())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(response.toBytes());
    }

}
