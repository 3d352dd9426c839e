package io.eventrouter.core.amplitude;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.node.ArrayNode;

/**
 * Delivers the events that carry identifications received through Amplitude's Identify and
 * Group Identify APIs back through those APIs: a form post of {@code api_key} and
 * {@code identification} (a JSON array) to {@code /identify} or {@code /groupidentify}. The other
 * events of a batch go to the HTTP V2 API as before, and the outcomes are merged in batch order.
 */
final class IdentifyApiDelivery {

    /** Amplitude's limit on identifications in one request. */
    private static final int MAX_IDENTIFICATIONS = 1024;

    /**
     * Writes identifications with every character above ASCII escaped. The form is URL-encoded
     * from UTF-8, which has no bytes for a lone surrogate and would send {@code ?} instead; the
     * HTTP V2 API receives such a string as its client wrote it.
     */
    private static final ObjectWriter ASCII_JSON = AmplitudeJson.MAPPER.writer()
            .with(JsonWriteFeature.ESCAPE_NON_ASCII);

    /** The APIs of the stages in turn, from the first; null for the HTTP V2 API. */
    private static final List<@Nullable IdentifyApi> STAGE_APIS = Arrays.asList(null, IdentifyApi.IDENTIFY,
            IdentifyApi.GROUP_IDENTIFY);

    private final HttpClient client;

    private final String baseUrl;

    private final Duration throttlePause;

    /**
     * @param baseUrl the destination's URL without a trailing slash, such as
     *        {@code https://api2.amplitude.com}
     */
    IdentifyApiDelivery(HttpClient client, String baseUrl, Duration throttlePause) {
        this.client = client;
        this.baseUrl = baseUrl;
        this.throttlePause = throttlePause;
    }

    /** Returns whether any event of the delivery came through an Identify API. */
    static boolean appliesTo(Delivery delivery) {
        return delivery.events().stream().anyMatch((event) -> IdentifyApi.of(event).isPresent());
    }

    /**
     * Delivers each identification through its API and every other event through
     * {@code httpApi}, and returns one outcome per event in the delivery's order.
     *
     * <p>The requests go out one after another, and each device's and user's events keep their
     * order across them (see {@link #stages}). Once a request leaves events unsettled, to retry,
     * resend or pause, no later request goes out. The events of the later requests are resent
     * with the ones left. When that request failed as a whole, they fail with it, so that an
     * outage still counts as one failed delivery.
     */
    Mono<DeliveryResult> deliver(Delivery delivery, Function<Delivery, Mono<DeliveryResult>> httpApi) {
        List<Event> events = delivery.events();
        List<Request> requests = new ArrayList<>();
        for (Stage stage : stages(events)) {
            if (stage.api == null) {
                requests.add(new Request(stage.indexes, () -> httpApi.apply(
                        new Delivery(delivery.context(), select(events, stage.indexes), delivery.attempt()))));
                continue;
            }
            for (int from = 0; from < stage.indexes.size(); from += MAX_IDENTIFICATIONS) {
                List<Integer> chunk = stage.indexes.subList(from, Math.min(stage.indexes.size(),
                        from + MAX_IDENTIFICATIONS));
                IdentifyApi api = stage.api;
                requests.add(new Request(chunk, () -> post(api, delivery.context().apiKey(), select(events, chunk))));
            }
        }
        return Flux.fromIterable(requests)
                .concatMap((request) -> Mono.defer(request.send).map((result) -> new Part(request.indexes, result)))
                .takeUntil((part) -> !part.isSettled())
                .collectList()
                .map((done) -> merge(events.size(), done));
    }

    /**
     * Splits the events into stages that go out one after another, each through one API: the
     * HTTP V2 API, then the Identify API, then the Group Identify API, then the HTTP V2 API
     * again, and so on. An event joins the first stage of its API that comes no earlier than the
     * stage of the previous event of its device or user, so each device and user keeps its order
     * in as few requests as that allows. Empty stages are left out.
     */
    private static List<Stage> stages(List<Event> events) {
        Map<String, Integer> lastStage = new HashMap<>();
        Map<Integer, List<Integer>> byStage = new TreeMap<>();
        for (int i = 0; i < events.size(); i++) {
            Event event = events.get(i);
            List<String> keys = new ArrayList<>(2);
            event.deviceId().ifPresent((id) -> keys.add("d:" + id));
            event.userId().ifPresent((id) -> keys.add("u:" + id));
            int earliest = keys.stream().mapToInt((key) -> lastStage.getOrDefault(key, 0)).max().orElse(0);
            int kind = STAGE_APIS.indexOf(IdentifyApi.of(event).orElse(null));
            int stage = earliest + Math.floorMod(kind - earliest, STAGE_APIS.size());
            keys.forEach((key) -> lastStage.put(key, stage));
            byStage.computeIfAbsent(stage, (unused) -> new ArrayList<>()).add(i);
        }
        List<Stage> stages = new ArrayList<>();
        byStage.forEach((stage, indexes) -> stages.add(new Stage(STAGE_APIS.get(stage % STAGE_APIS.size()), indexes)));
        return stages;
    }

    private Mono<DeliveryResult> post(IdentifyApi api, String apiKey, List<Event> events) {
        ArrayNode identifications = AmplitudeJson.MAPPER.createArrayNode();
        events.forEach((event) -> identifications.add(api.toIdentification(event)));
        String form = "api_key=" + URLEncoder.encode(apiKey, StandardCharsets.UTF_8)
                + "&identification=" + URLEncoder.encode(ASCII_JSON.writeValueAsString(identifications),
                        StandardCharsets.UTF_8);
        byte[] body = form.getBytes(StandardCharsets.US_ASCII);
        return this.client
                .headers((headers) -> headers
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                        .set(HttpHeaderNames.ACCEPT, "*/*"))
                .post()
                .uri(URI.create(this.baseUrl + "/" + api.path()))
                .send(ByteBufFlux.fromInbound(Mono.just(Unpooled.wrappedBuffer(body))))
                .responseSingle((response, content) -> content.asByteArray()
                        .defaultIfEmpty(new byte[0])
                        .map((bytes) -> outcomes(response.status().code(), bytes, events.size(),
                                RetryAfter.parse(response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER)))))
                .onErrorResume((error) -> Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO),
                        events.size()).withFailure("the Identify API request failed: " + error)));
    }

    /**
     * Reads an Identify API response. Amplitude documents its statuses but not its bodies: 200
     * is success, 429 requests a pause, and a 413 means the request was too big.
     *
     * @param retryAfter the response's {@code Retry-After}, or zero when it had none
     */
    private DeliveryResult outcomes(int status, byte[] body, int size, Duration retryAfter) {
        if (status >= 200 && status < 300) {
            return DeliveryResult.delivered(size);
        }
        if (status == 413) {
            // The dispatcher halves the batch, and dead-letters an event still too large alone.
            return DeliveryResult.uniform(EventOutcome.tooLarge(), size);
        }
        String failure = "HTTP " + status + " from the Identify API: "
                + AmplitudeResponse.parse(status, body).error().orElse("no error message");
        EventOutcome outcome;
        if (status == 429) {
            outcome = EventOutcome.throttled((retryAfter.compareTo(this.throttlePause) > 0) ? retryAfter
                    : this.throttlePause);
        }
        else if (status == 408 || status >= 500) {
            outcome = EventOutcome.retryLater(retryAfter);
        }
        else {
            outcome = EventOutcome.rejected(failure);
        }
        return DeliveryResult.uniform(outcome, size).withFailure(failure);
    }

    private static List<Event> select(List<Event> events, List<Integer> indexes) {
        return indexes.stream().map(events::get).toList();
    }

    /**
     * Puts the outcomes of the requests that went out in the delivery's order. The events of the
     * requests that did not go out are resent after the delay the last request asked for, or
     * retried like it when it failed as a whole.
     */
    private static DeliveryResult merge(int size, List<Part> parts) {
        EventOutcome[] outcomes = new EventOutcome[size];
        Part last = parts.get(parts.size() - 1);
        for (Part part : parts) {
            for (int i = 0; i < part.indexes().size(); i++) {
                outcomes[part.indexes().get(i)] = part.result().outcomes().get(i);
            }
        }
        Duration delay = Duration.ZERO;
        boolean failedWhole = true;
        for (EventOutcome outcome : last.result().outcomes()) {
            if (outcome instanceof EventOutcome.RetryLater retry) {
                delay = (retry.delay().compareTo(delay) > 0) ? retry.delay() : delay;
                failedWhole &= !retry.resend();
            }
            else {
                failedWhole = false;
            }
        }
        EventOutcome unsent = failedWhole ? EventOutcome.retryLater(delay) : EventOutcome.resend(delay);
        for (int i = 0; i < size; i++) {
            if (outcomes[i] == null) {
                outcomes[i] = unsent;
            }
        }
        DeliveryResult result = new DeliveryResult(List.of(outcomes));
        String failure = last.result().failure();
        return (failure != null) ? result.withFailure(failure) : result;
    }

    /** One request of a delivery: the positions of its events in the delivery, and how to send it. */
    private record Request(List<Integer> indexes, Supplier<Mono<DeliveryResult>> send) {
    }

    /** The events of one stage, by position in the delivery, and the API they go through; null for the HTTP V2 API. */
    private record Stage(@Nullable IdentifyApi api, List<Integer> indexes) {
    }

    private record Part(List<Integer> indexes, DeliveryResult result) {

        /** Tells whether every event of the request was delivered or rejected for good. */
        boolean isSettled() {
            return this.result.outcomes().stream().allMatch((outcome) -> outcome instanceof EventOutcome.Delivered
                    || outcome instanceof EventOutcome.Rejected);
        }

    }

}
