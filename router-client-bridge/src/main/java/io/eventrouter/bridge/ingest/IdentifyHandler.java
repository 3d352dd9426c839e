package io.eventrouter.bridge.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.IdentifyApi;
import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.amplitude.UploadRejectedException;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventJson;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.AcceptanceException;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Handles Amplitude's Identify API ({@code /identify}) and Group Identify API
 * ({@code /groupidentify}): fields {@code api_key} and {@code identification} (one JSON object or
 * an array of them), as a form body or as query parameters. Each identification becomes one
 * {@code $identify} or {@code $groupidentify} event marked with {@link IdentifyApi#MARKER_FIELD},
 * with every user-property operation intact, so the Amplitude destination can deliver it back
 * through the same API.
 *
 * <p>Success is HTTP 200 with the body {@code success}. Errors use the HTTP V2 API's JSON shape,
 * with positions into the {@code identification} array.
 */
public final class IdentifyHandler {

    /** Amplitude's limit on identifications in one request. */
    static final int MAX_IDENTIFICATIONS = 1024;

    private static final JsonMapper JSON = EventJson.MAPPER;

    private final IdentifyApi api;

    private final Intake intake;

    private final int maxBodyBytes;

    private final Duration readTimeout;

    public IdentifyHandler(IdentifyApi api, Intake intake, int maxBodyBytes, Duration readTimeout) {
        this.api = api;
        this.intake = intake;
        this.maxBodyBytes = maxBodyBytes;
        this.readTimeout = readTimeout;
    }

    public Mono<ServerResponse> identify(ServerRequest request) {
        Mono<FormFields> body = HttpMethod.GET.equals(request.method()) ? Mono.just(FormFields.empty())
                : FormFields.read(request, this.maxBodyBytes, this.readTimeout);
        return body
                .map((form) -> form.withDefaults(FormFields.ofQuery(request)))
                .flatMap((form) -> accept(request, form))
                .onErrorResume(UploadRejectedException.class, (ex) -> {
                    this.intake.countRejected(ex);
                    return Responses.json(ex.response());
                })
                .onErrorResume(AcceptanceException.class, Responses::unavailable);
    }

    private Mono<ServerResponse> accept(ServerRequest request, FormFields form) {
        String apiKey = form.get("api_key").filter((key) -> !key.isBlank())
                .orElseThrow(() -> rejection(AmplitudeResponse.error(400, "Request missing required field")
                        .missingField("api_key")));
        if (form.isMalformed("api_key") || !this.intake.apiKeys().accepts(apiKey)) {
            throw new UploadRejectedException(AmplitudeResponse.invalidApiKey(apiKey));
        }
        ArrayNode identifications = parseIdentifications(form);
        if (identifications.size() > MAX_IDENTIFICATIONS) {
            throw new UploadRejectedException(AmplitudeResponse.payloadTooLarge());
        }
        List<Event> events = toEvents(RequestContext.of(apiKey), identifications);
        return this.intake.submit(request, apiKey, events)
                .then(Responses.text(200, "success"));
    }

    private static ArrayNode parseIdentifications(FormFields form) {
        String text = form.get("identification")
                .filter((value) -> !form.isMalformed("identification"))
                .orElseThrow(() -> rejection(AmplitudeResponse.error(400, "missing_event")
                        .missingField("identification")));
        try {
            JsonNode parsed = JSON.readTree(text);
            if (parsed.isArray() && !parsed.isEmpty()) {
                return (ArrayNode) parsed;
            }
            if (parsed.isObject()) {
                return JsonNodeFactory.instance.arrayNode().add(parsed);
            }
        }
        catch (JacksonException ex) {
            // Rejected below: the client needs the protocol's response, not the parser's message.
        }
        throw rejection(AmplitudeResponse.error(400, "missing_event").missingField("identification"));
    }

    private List<Event> toEvents(RequestContext context, ArrayNode identifications) {
        ArrayNode events = JsonNodeFactory.instance.arrayNode();
        AmplitudeResponse.ErrorBuilder missing = AmplitudeResponse.error(400, "Invalid field values on some events");
        for (int i = 0; i < identifications.size(); i++) {
            JsonNode identification = identifications.get(i);
            int index = i;
            this.api.missingField(identification).ifPresent((field) -> missing.missingEventField(field, index));
            events.add(identification.isObject() ? this.api.toEventFields((ObjectNode) identification) : identification);
        }
        if (missing.hasEventErrors()) {
            throw new UploadRejectedException(missing.build(), identifications.size());
        }
        AmplitudeResponse.ErrorBuilder errors = UploadDecoder.validateEvents(events, UploadDecoder.DEFAULT_MIN_ID_LENGTH);
        if (errors.hasEventErrors()) {
            throw new UploadRejectedException(errors.build(), identifications.size());
        }
        List<Event> decoded = new ArrayList<>(events.size());
        events.forEach((event) -> decoded.add(Event.ofOwned(context, (ObjectNode) event)));
        return decoded;
    }

    private static UploadRejectedException rejection(AmplitudeResponse.ErrorBuilder errors) {
        return new UploadRejectedException(errors.build());
    }

}
