package io.eventrouter.web.admin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import io.eventrouter.bridge.ingest.RequestBodies;
import io.eventrouter.core.deadletter.DeadLetter;
import io.eventrouter.core.deadletter.DeadLetterStore;
import io.eventrouter.core.deadletter.StoredDeadLetter;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.pipeline.DispatchPipeline;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Lists dead letters and replays them.
 *
 * <ul>
 * <li>{@code GET /dead-letters?destination=&after=&limit=} returns a page of letters in id order,
 * oldest first, with {@code next_after} for the next page; API keys are masked.</li>
 * <li>{@code POST /dead-letters/replay} with {@code {"destination": "...", "ids": [...]}} replays
 * those letters, or with {@code {"destination": "...", "limit": n}} the oldest {@code n} of the
 * destination (100 without either), and returns 202 with how many were {@code queued}, how many
 * were {@code already_replaying} and, for a replay by ids, the ids of letters not found for that
 * destination as {@code not_found}.</li>
 * </ul>
 *
 * Bad parameters, unknown or repeated fields, a {@code limit} that is not a JSON integer, and
 * {@code ids} with {@code limit} get 400 with an {@code error} message. A replay body over
 * Spring's 256 KB buffer limit gets 413, and one that does not arrive within the read timeout gets
 * 408.
 */
final class DeadLetterAdminHandler {

    static final int MAX_LIMIT = 1000;

    private static final int DEFAULT_LIMIT = 100;

    private static final Set<String> REPLAY_FIELDS = Set.of("destination", "ids", "limit");

    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final DispatchPipeline pipeline;

    private final DeadLetterStore store;

    private final Duration readTimeout;

    /** @param readTimeout how long a client may take to send a replay body before it gets a 408 */
    DeadLetterAdminHandler(DispatchPipeline pipeline, Duration readTimeout) {
        this.pipeline = pipeline;
        this.store = pipeline.deadLetters();
        this.readTimeout = readTimeout;
    }

    Mono<ServerResponse> list(ServerRequest request) {
        DestinationId destination;
        long after;
        int limit;
        try {
            destination = request.queryParam("destination").map(this::destination).orElse(null);
            after = request.queryParam("after").map((value) -> parseLong("after", value)).orElse(0L);
            if (after < 0) {
                throw new IllegalArgumentException("after must be a letter id, 0 or more, but was " + after);
            }
            limit = limit(request.queryParam("limit").map((value) -> parseLong("limit", value)));
        }
        catch (IllegalArgumentException ex) {
            return badRequest(ex.getMessage());
        }
        return this.store.list(destination, after, limit)
                .flatMap((letters) -> json(HttpStatus.OK, page(letters, limit)));
    }

    Mono<ServerResponse> replay(ServerRequest request) {
        return request.bodyToMono(String.class)
                .defaultIfEmpty("")
                .timeout(this.readTimeout)
                .flatMap(this::replay)
                // The response guard closes the connection after a 408, since the rest of the body may still come.
                .onErrorResume(TimeoutException.class, (ex) -> error(HttpStatus.REQUEST_TIMEOUT,
                        "Timed out reading the request body: it did not arrive within " + this.readTimeout.toMillis()
                                + " ms"))
                // The client is gone and reads no response, but a rejection logs no server error.
                .onErrorResume(RequestBodies::isClosedByClient, (ex) -> badRequest("The connection closed before "
                        + "the request body was complete"))
                .onErrorResume(DataBufferLimitException.class, (ex) -> error(HttpStatus.CONTENT_TOO_LARGE,
                        "The body is too large: a replay names at most " + MAX_LIMIT + " letter ids"));
    }

    private Mono<ServerResponse> replay(String body) {
        DestinationId destination;
        List<Long> requested;
        int limit;
        try {
            JsonNode json = parseObject(body);
            checkNoRepeatedFields(body);
            checkFields(json);
            JsonNode name = json.get("destination");
            if (name == null || !name.isString()) {
                throw new IllegalArgumentException("The body needs \"destination\", the id of a destination");
            }
            destination = destination(name.stringValue());
            requested = ids(json);
            limit = replayLimit(json);
            // Each value is checked first, so that an invalid one is named rather than the combination.
            if (requested != null && json.has("limit")) {
                throw new IllegalArgumentException("Invalid replay: set either \"ids\" or \"limit\", not both");
            }
        }
        catch (IllegalArgumentException ex) {
            return badRequest(ex.getMessage());
        }
        Mono<List<StoredDeadLetter>> letters = (requested != null) ? selected(destination, requested)
                : this.store.list(destination, 0, limit);
        return letters.flatMap((selected) -> this.pipeline.replay(destination, selected)
                .flatMap((queued) -> json(HttpStatus.ACCEPTED, replayed(queued, requested, selected))));
    }

    /**
     * Describes a replay: how many letters were queued, how many were left out because a replay of
     * them is still under way and, for a replay by ids, the ids not found.
     */
    private static ObjectNode replayed(int queued, @Nullable List<Long> requested, List<StoredDeadLetter> selected) {
        ObjectNode answer = MAPPER.createObjectNode()
                .put("queued", queued)
                .put("already_replaying", selected.size() - queued);
        if (requested != null) {
            Set<Long> found = new HashSet<>();
            selected.forEach((letter) -> found.add(letter.id()));
            ArrayNode notFound = answer.putArray("not_found");
            requested.stream().distinct().filter((id) -> !found.contains(id)).forEach(notFound::add);
        }
        return answer;
    }

    /**
     * Rejects unsupported fields, because a misspelt {@code limit} would otherwise replay the
     * default number of letters.
     */
    private static void checkFields(JsonNode json) {
        for (String field : json.propertyNames()) {
            if (!REPLAY_FIELDS.contains(field)) {
                throw new IllegalArgumentException("Unsupported field \"" + field + "\": a replay accepts "
                        + "\"destination\" and either \"ids\" or \"limit\"");
            }
        }
    }

    /**
     * Rejects a field that the body sets twice, because the tree keeps only the last value. The
     * body must already have parsed as a JSON object.
     */
    private static void checkNoRepeatedFields(String body) {
        try (JsonParser parser = MAPPER.createParser(body)) {
            Set<String> seen = new HashSet<>();
            parser.nextToken();
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                if (!seen.add(parser.currentName())) {
                    throw new IllegalArgumentException("Duplicate field \"" + parser.currentName()
                            + "\": set each field once");
                }
                parser.nextToken();
                parser.skipChildren();
            }
        }
    }

    /** Returns the ids a replay names, or null when it names none and so requests the oldest letters. */
    private static @Nullable List<Long> ids(JsonNode json) {
        JsonNode ids = json.get("ids");
        if (ids == null) {
            return null;
        }
        if (!ids.isArray() || ids.isEmpty() || ids.size() > MAX_LIMIT) {
            throw new IllegalArgumentException("\"ids\" must be an array of 1 to " + MAX_LIMIT + " letter ids");
        }
        List<Long> parsed = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.isIntegralNumber() || !id.canConvertToLong()) {
                throw new IllegalArgumentException("\"ids\" must hold integer letter ids, but held " + id);
            }
            parsed.add(id.longValue());
        }
        return parsed;
    }

    /**
     * Returns the number of oldest letters a replay requests: {@code limit}, which must be a JSON
     * integer, such as {@code 5} but not {@code "5"} or {@code 5.0}, or the default without it.
     */
    private static int replayLimit(JsonNode json) {
        JsonNode limit = json.get("limit");
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        if (!limit.isIntegralNumber()) {
            throw new IllegalArgumentException("limit must be an integer between 1 and " + MAX_LIMIT
                    + ", but was " + describe(limit));
        }
        if (!limit.canConvertToLong()) {
            throw outOfRange(limit.toString());
        }
        return limit(Optional.of(limit.longValue()));
    }

    /** Returns a JSON value as an error message shows it, with its type where the text alone hides it. */
    private static String describe(JsonNode value) {
        if (value.isString()) {
            return "the string " + value;
        }
        if (value.isNumber()) {
            return "the decimal " + value;
        }
        return value.toString();
    }

    private Mono<List<StoredDeadLetter>> selected(DestinationId destination, List<Long> requested) {
        return this.store.get(requested)
                .map((letters) -> letters.stream()
                        .filter((letter) -> letter.deadLetter().destination().equals(destination))
                        .toList());
    }

    private DestinationId destination(String name) {
        DestinationId id;
        try {
            id = DestinationId.of(name);
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("destination must be a destination id, but was '" + name + "'");
        }
        if (!this.pipeline.destinations().contains(id)) {
            throw new IllegalArgumentException("destination '" + name + "' is not configured; destinations: "
                    + this.pipeline.destinations());
        }
        return id;
    }

    private static int limit(Optional<Long> requested) {
        long limit = requested.orElse((long) DEFAULT_LIMIT);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw outOfRange(String.valueOf(limit));
        }
        return (int) limit;
    }

    private static IllegalArgumentException outOfRange(String limit) {
        return new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", but was " + limit);
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value);
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " must be an integer, but was '" + value + "'");
        }
    }

    private static JsonNode parseObject(String body) {
        try {
            JsonNode json = MAPPER.readTree(body);
            if (json == null || !json.isObject()) {
                throw new IllegalArgumentException("The body must be a JSON object");
            }
            return json;
        }
        catch (JacksonException ex) {
            throw new IllegalArgumentException("The body must be a JSON object");
        }
    }

    private static ObjectNode page(List<StoredDeadLetter> letters, int limit) {
        ObjectNode page = MAPPER.createObjectNode();
        ArrayNode items = page.putArray("dead_letters");
        letters.forEach((letter) -> items.add(toJson(letter)));
        if (letters.size() == limit) {
            page.put("next_after", letters.get(letters.size() - 1).id());
        }
        else {
            page.putNull("next_after");
        }
        return page;
    }

    private static ObjectNode toJson(StoredDeadLetter stored) {
        DeadLetter letter = stored.deadLetter();
        RequestContext context = letter.event().context();
        ObjectNode json = MAPPER.createObjectNode();
        json.put("id", stored.id());
        json.put("destination", letter.destination().value());
        json.put("source", letter.source().value());
        json.put("reason", letter.reason());
        json.put("detail", letter.detail());
        json.put("attempts", letter.attempts());
        json.put("first_attempt", letter.firstAttempt().toString());
        json.put("last_attempt", letter.lastAttempt().toString());
        json.put("api_key", RequestContext.mask(context.apiKey()));
        json.set("event", letter.event().toJson());
        return json;
    }

    /** Returns a response with {@code status} and {@code body} as JSON; the other admin handlers use it too. */
    static Mono<ServerResponse> json(HttpStatus status, @Nullable JsonNode body) {
        return ServerResponse.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(MAPPER.writeValueAsString(body));
    }

    private static Mono<ServerResponse> badRequest(@Nullable String message) {
        return error(HttpStatus.BAD_REQUEST, String.valueOf(message));
    }

    /** Returns an error in the shape every admin endpoint uses: the status as {@code code}, and the message. */
    private static Mono<ServerResponse> error(HttpStatus status, String message) {
        return json(status, MAPPER.createObjectNode().put("code", status.value()).put("error", message));
    }

}
