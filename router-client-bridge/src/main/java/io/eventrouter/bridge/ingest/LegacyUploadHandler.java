package io.eventrouter.bridge.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.IdentifyApi;
import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.amplitude.UploadRejectedException;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventJson;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.log.WarningInterval;
import io.eventrouter.core.source.AcceptanceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * Handles the legacy form upload, {@code POST /}, of amplitude-js 8 and the legacy Android and
 * iOS SDKs: form fields {@code client} (the API key), {@code e} (a JSON array of legacy events),
 * {@code v}, {@code upload_time} and an optional {@code checksum}, the MD5 of
 * {@code v + client + e + upload_time}, checked when present.
 *
 * <p>Success is HTTP 200 with the body {@code success}, the only response every version of these
 * SDKs reads as success. They know no per-event errors: on any other response they keep the whole
 * batch and send it again. So events Amplitude would reject are dropped here, counted in the
 * rejected-events meter and logged (WARN at most once a minute), and the valid rest is accepted.
 * A 400 would make the SDK resend the batch forever.
 *
 * <p>A field of {@code api_properties} that would be copied to the top level but has the wrong
 * JSON type, such as {@code "price": "abc"}, costs only that copy: the event is accepted with the
 * value left inside {@code api_properties} (see {@link LegacyEvents}). The first time a handler
 * meets each such field it logs a WARN naming the field, never its value, and DEBUG afterwards.
 */
public final class LegacyUploadHandler {

    private static final Logger logger = LoggerFactory.getLogger(LegacyUploadHandler.class);

    private static final JsonMapper JSON = EventJson.MAPPER;

    private final Intake intake;

    private final int maxBodyBytes;

    private final int maxEvents;

    private final Duration readTimeout;

    /** The lifted fields already reported at WARN; bounded by the fields {@link LegacyEvents} lifts. */
    private final Set<String> reportedInvalidFields = ConcurrentHashMap.newKeySet();

    private final WarningInterval droppedWarnings = new WarningInterval(Duration.ofMinutes(1));

    public LegacyUploadHandler(Intake intake, int maxBodyBytes, int maxEvents, Duration readTimeout) {
        this.intake = intake;
        this.maxBodyBytes = maxBodyBytes;
        this.maxEvents = maxEvents;
        this.readTimeout = readTimeout;
    }

    public Mono<ServerResponse> upload(ServerRequest request) {
        return FormFields.read(request, this.maxBodyBytes, this.readTimeout)
                .flatMap((form) -> accept(request, form))
                .onErrorResume(UploadRejectedException.class, (ex) -> Responses.text(ex.response().code(),
                        legacyWords(ex)))
                .onErrorResume(AcceptanceException.class, Responses::unavailableText);
    }

    private Mono<ServerResponse> accept(ServerRequest request, FormFields form) {
        Optional<AcceptanceException> overload = this.intake.overload();
        if (overload.isPresent()) {
            return Responses.unavailableText(overload.get());
        }
        String apiKey = form.get("client").filter((key) -> !key.isBlank())
                .orElseThrow(() -> RequestBodies.rejected(400, "invalid_api_key"));
        if (form.isMalformed("client") || !this.intake.apiKeys().accepts(apiKey)) {
            throw RequestBodies.rejected(400, "invalid_api_key");
        }
        String encodedEvents = form.get("e").orElseThrow(() -> RequestBodies.rejected(400, "missing_event"));
        if (form.isMalformed("e")) {
            throw RequestBodies.rejected(400, "invalid_event_json");
        }
        Optional<String> checksum = form.get("checksum").filter((value) -> !value.isEmpty());
        if (checksum.isPresent() && !checksum.get().equalsIgnoreCase(checksum(form, apiKey, encodedEvents))) {
            throw RequestBodies.rejected(400, "bad_checksum");
        }
        ArrayNode events = parseEvents(encodedEvents);
        if (events.size() > this.maxEvents) {
            throw RequestBodies.rejected(413, "Request Entity Too Large");
        }
        List<Event> accepted = validEvents(RequestContext.of(apiKey), events);
        if (accepted.isEmpty()) {
            return Responses.text(200, "success");
        }
        return this.intake.submit(request, apiKey, accepted)
                .then(Responses.text(200, "success"));
    }

    private static String checksum(FormFields form, String apiKey, String events) {
        String text = form.get("v").orElse("") + apiKey + events + form.get("upload_time").orElse("");
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            return HexFormat.of().formatHex(md5.digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("Every Java platform provides MD5", ex);
        }
    }

    private static ArrayNode parseEvents(String encodedEvents) {
        try {
            JsonNode events = JSON.readTree(encodedEvents);
            if (events.isArray()) {
                return (ArrayNode) events;
            }
            if (events.isObject()) {
                return JsonNodeFactory.instance.arrayNode().add(events);
            }
        }
        catch (JacksonException ex) {
            // Rejected below in the legacy protocol's words.
        }
        throw RequestBodies.rejected(400, "invalid_event_json");
    }

    private List<Event> validEvents(RequestContext context, ArrayNode legacyEvents) {
        ArrayNode events = JsonNodeFactory.instance.arrayNode();
        Set<String> invalidFields = new TreeSet<>();
        legacyEvents.forEach((legacy) -> events.add(LegacyEvents.toHttpApi(legacy, invalidFields)));
        if (!invalidFields.isEmpty()) {
            logInvalidFields(invalidFields, events.size());
        }
        AmplitudeResponse.ErrorBuilder problems = UploadDecoder.validateEvents(events,
                UploadDecoder.DEFAULT_MIN_ID_LENGTH);
        Set<Integer> invalid = problems.eventIndexes();
        List<Event> valid = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            if (!invalid.contains(i)) {
                valid.add(IdentifyApi.withoutClientMarker(Event.ofOwned(context, (ObjectNode) events.get(i))));
            }
        }
        if (!invalid.isEmpty()) {
            this.intake.countInvalid(invalid.size());
            logDropped(invalid.size(), events.size(), problems);
        }
        return valid;
    }

    /**
     * Logs dropped events at WARN at most once a minute, with the count since the previous WARN,
     * and at DEBUG otherwise. The SDK received "success", so the log and the rejected-events meter
     * are the only trace. The problems name fields and indexes in the batch, never values.
     */
    private void logDropped(int dropped, int batchSize, AmplitudeResponse.ErrorBuilder problems) {
        long sinceWarning = this.droppedWarnings.record(dropped);
        String detail = new String(problems.build().toBytes(), StandardCharsets.UTF_8);
        if (sinceWarning > 0) {
            logger.warn("Dropped legacy events that Amplitude would reject, and responded success because these "
                    + "SDKs would resend the whole batch forever: dropped_since_last_warning={} batch_size={} "
                    + "latest_problems={}", sinceWarning, batchSize, detail);
        }
        else {
            logger.debug("Dropped invalid legacy events: dropped={} batch_size={} problems={}", dropped, batchSize,
                    detail);
        }
    }

    private void logInvalidFields(Set<String> invalidFields, int batchSize) {
        if (this.reportedInvalidFields.addAll(invalidFields)) {
            logger.warn("Legacy events carry api_properties of the wrong JSON type, so these top-level fields are "
                    + "left out and the values stay only in api_properties; the events are accepted: fields={} "
                    + "batch_size={}", invalidFields, batchSize);
        }
        else {
            logger.debug("Legacy events carry api_properties of the wrong JSON type, so these top-level fields are "
                    + "left out: fields={} batch_size={}", invalidFields, batchSize);
        }
    }

    /** Returns the legacy protocol's plain-text error words for a rejection. */
    private static String legacyWords(UploadRejectedException ex) {
        return switch (ex.response().code()) {
            case 413 -> "Request Entity Too Large";
            case 429 -> "too_many_requests";
            default -> ex.response().error().orElse("bad_request");
        };
    }

}
