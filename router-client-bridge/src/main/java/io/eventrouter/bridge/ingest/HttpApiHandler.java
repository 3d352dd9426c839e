package io.eventrouter.bridge.ingest;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.amplitude.UploadRejectedException;
import io.eventrouter.core.amplitude.UploadRequest;
import io.eventrouter.core.source.AcceptanceException;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Handles {@code POST /2/httpapi} and {@code POST /batch}: reads the body whatever its declared
 * content type (browsers send {@code sendBeacon} uploads as {@code text/plain}) but in the charset
 * that type declares, validates it as Amplitude does and submits the events. The response is
 * Amplitude's success body once the pipeline has accepted every event. An invalid request is
 * rejected whole, with the positions of the invalid events, so that each SDK drops exactly those
 * and sends the rest again. While the pipeline is overloaded, the handler responds with 503
 * before it decodes the body. Resent events the pipeline recognises as duplicates count as
 * ingested, so that the SDK stops resending them.
 */
public final class HttpApiHandler {

    private final Intake intake;

    private final int maxBodyBytes;

    private final Duration readTimeout;

    private final UploadDecoder decoder;

    private final Clock clock;

    /**
     * @param maxBodyBytes the largest body accepted, counted after inflating; Amplitude's limit
     *        is 1 MB for {@code /2/httpapi} and 20 MB for {@code /batch}
     * @param maxEvents the most events in one request; Amplitude's limit is 2,000
     */
    public HttpApiHandler(Intake intake, int maxBodyBytes, int maxEvents, Duration readTimeout, Clock clock) {
        this.intake = intake;
        this.maxBodyBytes = maxBodyBytes;
        this.readTimeout = readTimeout;
        this.decoder = new UploadDecoder(maxEvents);
        this.clock = clock;
    }

    public Mono<ServerResponse> upload(ServerRequest request) {
        return RequestBodies.readUtf8(request, this.maxBodyBytes, this.readTimeout)
                .flatMap((body) -> accept(request, body))
                .onErrorResume(UploadRejectedException.class, (ex) -> {
                    this.intake.countRejected(ex);
                    return Responses.json(ex.response());
                })
                .onErrorResume(AcceptanceException.class, Responses::unavailable);
    }

    private Mono<ServerResponse> accept(ServerRequest request, RequestBodies.ReceivedBody body) {
        // Decoding costs more than the rest of the request, so an overloaded pipeline is checked first.
        Optional<AcceptanceException> overload = this.intake.overload();
        if (overload.isPresent()) {
            return Responses.unavailable(overload.get());
        }
        UploadRequest upload = this.decoder.decode(body.bytes(), this.intake.apiKeys()::accepts);
        // NOTE: how Amplitude counts a gzip body in payload_size_bytes is unconfirmed. This counts
        // the bytes the client sent, the only size the client can compare it with.
        return this.intake.submit(request, upload.context().apiKey(), upload.events())
                .flatMap((acceptance) -> ServerResponse.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(AmplitudeResponse.successBody(acceptance.ingested(), body.receivedBytes(),
                                this.clock.millis())));
    }

}
