package io.eventrouter.core.amplitude;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
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
     */
    Mono<DeliveryResult> deliver(Delivery delivery, Function<Delivery, Mono<DeliveryResult>> httpApi) {
        List<Event> events = delivery.events();
        Map<IdentifyApi, List<Integer>> byApi = new EnumMap<>(IdentifyApi.class);
        List<Integer> ordinary = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            int index = i;
            IdentifyApi.of(events.get(i)).ifPresentOrElse(
                    (api) -> byApi.computeIfAbsent(api, (key) -> new ArrayList<>()).add(index),
                    () -> ordinary.add(index));
        }
        List<Mono<Part>> parts = new ArrayList<>();
        if (!ordinary.isEmpty()) {
            Delivery rest = new Delivery(delivery.context(), select(events, ordinary), delivery.attempt());
            parts.add(httpApi.apply(rest).map((result) -> new Part(ordinary, result)));
        }
        byApi.forEach((api, indexes) -> {
            for (int from = 0; from < indexes.size(); from += MAX_IDENTIFICATIONS) {
                List<Integer> chunk = indexes.subList(from, Math.min(indexes.size(), from + MAX_IDENTIFICATIONS));
                parts.add(post(api, delivery.context().apiKey(), select(events, chunk))
                        .map((result) -> new Part(chunk, result)));
            }
        });
        return Flux.concat(parts)
                .collectList()
                .map((done) -> merge(events.size(), done));
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
                        .map((bytes) -> outcomes(response.status().code(), bytes, events.size())))
                .onErrorResume((error) -> Mono.just(DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO),
                        events.size())));
    }

    /**
     * Reads an Identify API response. Amplitude documents its statuses but not its bodies: 200
     * is success, 429 requests a pause, and a 413 means the request was too big.
     */
    private DeliveryResult outcomes(int status, byte[] body, int size) {
        EventOutcome outcome;
        if (status >= 200 && status < 300) {
            outcome = EventOutcome.delivered();
        }
        else if (status == 429) {
            outcome = EventOutcome.throttled(this.throttlePause);
        }
        else if (status == 413) {
            // The dispatcher halves the batch, and dead-letters an event still too large alone.
            outcome = EventOutcome.tooLarge();
        }
        else if (status == 408 || status >= 500) {
            outcome = EventOutcome.retryLater(Duration.ZERO);
        }
        else {
            String error = AmplitudeResponse.parse(status, body).error().orElse("no error message");
            outcome = EventOutcome.rejected("HTTP " + status + " from the Identify API: " + error);
        }
        return DeliveryResult.uniform(outcome, size);
    }

    private static List<Event> select(List<Event> events, List<Integer> indexes) {
        return indexes.stream().map(events::get).toList();
    }

    private static DeliveryResult merge(int size, List<Part> parts) {
        EventOutcome[] outcomes = new EventOutcome[size];
        for (Part part : parts) {
            for (int i = 0; i < part.indexes().size(); i++) {
                outcomes[part.indexes().get(i)] = part.result().outcomes().get(i);
            }
        }
        return new DeliveryResult(List.of(outcomes));
    }

    private record Part(List<Integer> indexes, DeliveryResult result) {
    }

}
