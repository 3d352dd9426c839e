package io.eventrouter.core.amplitude;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A response of Amplitude's HTTP V2 and batch APIs, both as the router writes it to client SDKs
 * and as it reads it from Amplitude.
 *
 * <p>The response's JSON {@code code} is authoritative: Amplitude's TypeScript and Java SDKs read
 * the status from the body and fall back to the HTTP status only when the body is not JSON, and
 * this class does the same when it parses.
 *
 * @param code the status, equal to the HTTP status in every response the router writes
 * @param body the JSON body; every response the router writes carries {@code code}
 */
public record AmplitudeResponse(int code, ObjectNode body) {

    /** The prefix Amplitude's SDKs match to recognise an unknown API key. */
    public static final String INVALID_API_KEY = "Invalid API key: ";

    /** The maximum length, in characters, of an API key that an invalid-key response repeats in full. */
    public static final int MAX_ECHOED_KEY_LENGTH = 128;

    /** The maximum length, in characters, of a body that is not JSON kept as the error text; logs cut it further. */
    private static final int MAX_TEXT_ERROR_LENGTH = 1000;

    public AmplitudeResponse {
        Objects.requireNonNull(body, "body");
    }

    /** Amplitude's success response, with the four integer fields the Java SDK requires. */
    public static AmplitudeResponse success(int eventsIngested, long payloadSizeBytes, long serverUploadTime) {
        ObjectNode body = AmplitudeJson.MAPPER.createObjectNode();
        body.put("code", 200);
        body.put("events_ingested", eventsIngested);
        body.put("payload_size_bytes", payloadSizeBytes);
        body.put("server_upload_time", serverUploadTime);
        return new AmplitudeResponse(200, body);
    }

    /**
     * Returns the JSON of {@link #success}, written without building a tree: the bridge sends
     * one for every accepted upload.
     */
    public static byte[] successBody(int eventsIngested, long payloadSizeBytes, long serverUploadTime) {
        return ("{\"code\":200,\"events_ingested\":" + eventsIngested + ",\"payload_size_bytes\":" + payloadSizeBytes
                + ",\"server_upload_time\":" + serverUploadTime + "}").getBytes(StandardCharsets.US_ASCII);
    }

    /** An error response with {@code code} and {@code error}; add detail with the builder. */
    public static ErrorBuilder error(int code, String error) {
        return new ErrorBuilder(code, error);
    }

    /**
     * Creates the 400 response for an API key the router does not accept, in the exact words SDKs
     * match. A key longer than {@value #MAX_ECHOED_KEY_LENGTH} characters is cut there and ends
     * with {@code ...}.
     */
    public static AmplitudeResponse invalidApiKey(String apiKey) {
        String echoed = (apiKey.length() > MAX_ECHOED_KEY_LENGTH)
                ? apiKey.substring(0, MAX_ECHOED_KEY_LENGTH) + "..." : apiKey;
        return error(400, INVALID_API_KEY + echoed).build();
    }

    public static AmplitudeResponse payloadTooLarge() {
        return error(413, "Payload too large").build();
    }

    /**
     * Amplitude's 429 for devices and users over their event rate. It always carries every
     * throttling key, empty when nothing applies, because the Java SDK fails on a 429 without an
     * integer {@code eps_threshold} and the other SDKs look up each map by name.
     *
     * @param epsThreshold the events per second a device or user may send
     * @param throttledDevices device id to its current rate, for the devices over the threshold
     * @param throttledUsers user id to its current rate, for the users over the threshold
     * @param throttledEvents positions, in the request as sent, of the events of those devices and users
     */
    public static AmplitudeResponse throttled(int epsThreshold, Map<String, Long> throttledDevices,
            Map<String, Long> throttledUsers, Set<Integer> throttledEvents) {
        return throttled("Too many requests for some devices and users", epsThreshold, throttledDevices,
                throttledUsers, throttledEvents);
    }

    /** Amplitude's 429 shape with its own {@code error} text, such as for a limit on whole requests. */
    public static AmplitudeResponse throttled(String error, int epsThreshold, Map<String, Long> throttledDevices,
            Map<String, Long> throttledUsers, Set<Integer> throttledEvents) {
        ObjectNode body = AmplitudeJson.MAPPER.createObjectNode();
        body.put("code", 429);
        body.put("error", error);
        body.put("eps_threshold", epsThreshold);
        ObjectNode devices = body.putObject("throttled_devices");
        throttledDevices.forEach(devices::put);
        ObjectNode users = body.putObject("throttled_users");
        throttledUsers.forEach(users::put);
        ArrayNode events = body.putArray("throttled_events");
        new TreeSet<>(throttledEvents).forEach(events::add);
        body.putObject("exceeded_daily_quota_users");
        body.putObject("exceeded_daily_quota_devices");
        return new AmplitudeResponse(429, body);
    }

    /**
     * Parses a response received from an Amplitude-compatible server. A body that has no integer
     * {@code code} is read as the HTTP status. A body that is not a JSON object, such as a load
     * balancer's HTML page, becomes the {@code error} text, on one line and cut to
     * {@value #MAX_TEXT_ERROR_LENGTH} characters, so that logs and dead letters show it.
     */
    public static AmplitudeResponse parse(int httpStatus, byte @Nullable [] body) {
        ObjectNode json = parseObject(body);
        if (json == null) {
            ObjectNode text = AmplitudeJson.MAPPER.createObjectNode();
            String error = (body != null) ? oneLine(body) : "";
            if (!error.isEmpty()) {
                text.put("error", error);
            }
            return new AmplitudeResponse(httpStatus, text);
        }
        JsonNode code = json.get("code");
        int status = (code != null && code.isIntegralNumber() && code.canConvertToInt()) ? code.intValue() : httpStatus;
        return new AmplitudeResponse(status, json);
    }

    private static String oneLine(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, MAX_TEXT_ERROR_LENGTH * 4), StandardCharsets.UTF_8)
                .replaceAll("[\\p{Cntrl}\\s]+", " ")
                .strip();
        return (text.length() > MAX_TEXT_ERROR_LENGTH) ? text.substring(0, MAX_TEXT_ERROR_LENGTH) : text;
    }

    private static @Nullable ObjectNode parseObject(byte @Nullable [] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode node = AmplitudeJson.MAPPER.readTree(body);
            return (node instanceof ObjectNode object) ? object : null;
        }
        catch (JacksonException ex) {
            return null;
        }
    }

    public boolean isSuccess() {
        return this.code >= 200 && this.code < 300;
    }

    public Optional<String> error() {
        JsonNode error = this.body.get("error");
        return (error != null && error.isString()) ? Optional.of(error.stringValue()) : Optional.empty();
    }

    public boolean isInvalidApiKey() {
        return error().filter((error) -> error.startsWith("Invalid API key")).isPresent();
    }

    public Optional<String> missingField() {
        JsonNode field = this.body.get("missing_field");
        return (field != null && field.isString() && !field.stringValue().isEmpty())
                ? Optional.of(field.stringValue()) : Optional.empty();
    }

    public OptionalInt epsThreshold() {
        JsonNode threshold = this.body.get("eps_threshold");
        return (threshold != null && threshold.canConvertToInt()) ? OptionalInt.of(threshold.intValue()) : OptionalInt.empty();
    }

    /**
     * Returns the indexes of every event the response names as invalid: those listed under
     * {@code events_with_invalid_fields}, {@code events_with_missing_fields},
     * {@code events_with_invalid_id_lengths} and {@code silenced_events}.
     */
    public Set<Integer> invalidEventIndexes() {
        Set<Integer> indexes = new TreeSet<>();
        collectIndexMap("events_with_invalid_fields", indexes);
        collectIndexMap("events_with_missing_fields", indexes);
        collectIndexMap("events_with_invalid_id_lengths", indexes);
        collectIndexList(this.body.get("silenced_events"), indexes);
        return indexes;
    }

    /**
     * Names what the response found wrong with the event at {@code index}, such as
     * {@code invalid time} or {@code missing user_id}; empty when it names nothing.
     */
    public List<String> problemsOf(int index) {
        List<String> problems = new ArrayList<>();
        collectProblems("events_with_invalid_fields", "invalid ", index, problems);
        collectProblems("events_with_missing_fields", "missing ", index, problems);
        collectProblems("events_with_invalid_id_lengths", "invalid length of ", index, problems);
        Set<Integer> silenced = new TreeSet<>();
        collectIndexList(this.body.get("silenced_events"), silenced);
        if (silenced.contains(index)) {
            problems.add("silenced");
        }
        return problems;
    }

    private void collectProblems(String name, String problem, int index, List<String> problems) {
        JsonNode map = this.body.get(name);
        if (map == null || !map.isObject()) {
            return;
        }
        map.forEachEntry((field, list) -> {
            Set<Integer> indexes = new TreeSet<>();
            collectIndexList(list, indexes);
            if (indexes.contains(index)) {
                problems.add(problem + field);
            }
        });
    }

    public Set<Integer> throttledEventIndexes() {
        Set<Integer> indexes = new TreeSet<>();
        collectIndexList(this.body.get("throttled_events"), indexes);
        return indexes;
    }

    /** Returns the user ids named in {@code exceeded_daily_quota_users}. */
    public Set<String> exceededDailyQuotaUsers() {
        return keys("exceeded_daily_quota_users");
    }

    /** Returns the device ids named in {@code exceeded_daily_quota_devices}. */
    public Set<String> exceededDailyQuotaDevices() {
        return keys("exceeded_daily_quota_devices");
    }

    public Set<String> throttledUsers() {
        return keys("throttled_users");
    }

    public Set<String> throttledDevices() {
        return keys("throttled_devices");
    }

    private void collectIndexMap(String name, Set<Integer> indexes) {
        JsonNode map = this.body.get(name);
        if (map != null && map.isObject()) {
            map.forEachEntry((field, list) -> collectIndexList(list, indexes));
        }
    }

    private static void collectIndexList(@Nullable JsonNode list, Set<Integer> indexes) {
        if (list != null && list.isArray()) {
            for (JsonNode index : list) {
                if (index.isIntegralNumber() && index.canConvertToInt()) {
                    indexes.add(index.intValue());
                }
            }
        }
    }

    private Set<String> keys(String name) {
        JsonNode map = this.body.get(name);
        return (map != null && map.isObject()) ? Set.copyOf(map.propertyNames()) : Set.of();
    }

    public byte[] toBytes() {
        return AmplitudeJson.MAPPER.writeValueAsBytes(this.body);
    }

    /** Collects the details of an error response. Index lists refer to the request as the client sent it. */
    public static final class ErrorBuilder {

        private final int code;

        private final ObjectNode body = AmplitudeJson.MAPPER.createObjectNode();

        private final Map<String, Map<String, Set<Integer>>> indexMaps = new LinkedHashMap<>();

        private ErrorBuilder(int code, String error) {
            if (code < 400 || code > 599) {
                throw new IllegalArgumentException("An error code must be 4xx or 5xx, but was " + code);
            }
            this.code = code;
            this.body.put("code", code);
            this.body.put("error", error);
        }

        /** Replaces the {@code error} text given when the builder was made. */
        public ErrorBuilder error(String error) {
            this.body.put("error", error);
            return this;
        }

        public ErrorBuilder missingField(String field) {
            this.body.put("missing_field", field);
            return this;
        }

        /** Lists event {@code index} under {@code field} in {@code events_with_invalid_fields}. */
        public ErrorBuilder invalidField(String field, int index) {
            return addIndex("events_with_invalid_fields", field, index);
        }

        /** Lists event {@code index} under {@code field} in {@code events_with_missing_fields}. */
        public ErrorBuilder missingEventField(String field, int index) {
            return addIndex("events_with_missing_fields", field, index);
        }

        /** Lists event {@code index} under {@code field} in {@code events_with_invalid_id_lengths}. */
        public ErrorBuilder invalidIdLength(String field, int index) {
            return addIndex("events_with_invalid_id_lengths", field, index);
        }

        /** Sets any other field of the response, such as the throttling maps of a 429. */
        public ErrorBuilder field(String name, JsonNode value) {
            this.body.set(name, value);
            return this;
        }

        public boolean hasEventErrors() {
            return !this.indexMaps.isEmpty();
        }

        /**
         * Tells whether every event listed so far is listed for a short id, in
         * {@code events_with_invalid_id_lengths} and, for the same field, at most in
         * {@code events_with_invalid_fields}.
         */
        public boolean listsOnlyIdLengths() {
            Map<String, Set<Integer>> idLengths = this.indexMaps.get("events_with_invalid_id_lengths");
            if (idLengths == null) {
                return false;
            }
            for (Map.Entry<String, Map<String, Set<Integer>>> map : this.indexMaps.entrySet()) {
                if (map.getKey().equals("events_with_invalid_id_lengths")) {
                    continue;
                }
                if (!map.getKey().equals("events_with_invalid_fields")) {
                    return false;
                }
                for (Map.Entry<String, Set<Integer>> field : map.getValue().entrySet()) {
                    if (!idLengths.getOrDefault(field.getKey(), Set.of()).containsAll(field.getValue())) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** Returns the position of every event listed so far, in any map. */
        public Set<Integer> eventIndexes() {
            Set<Integer> indexes = new TreeSet<>();
            this.indexMaps.values().forEach((fields) -> fields.values().forEach(indexes::addAll));
            return indexes;
        }

        private ErrorBuilder addIndex(String map, String field, int index) {
            this.indexMaps.computeIfAbsent(map, (name) -> new LinkedHashMap<>())
                    .computeIfAbsent(field, (name) -> new TreeSet<>())
                    .add(index);
            return this;
        }

        /**
         * Builds the response. A 400 always carries {@code missing_field} (empty when no field is
         * missing, since SDKs drop the whole batch when it is non-empty) and the three index maps,
         * so that every SDK finds the keys it parses.
         */
        public AmplitudeResponse build() {
            ObjectNode body = this.body.deepCopy();
            if (this.code != 400) {
                return new AmplitudeResponse(this.code, body);
            }
            if (!body.has("missing_field")) {
                body.put("missing_field", "");
            }
            for (String map : List.of("events_with_invalid_fields", "events_with_missing_fields",
                    "events_with_invalid_id_lengths")) {
                ObjectNode node = body.putObject(map);
                this.indexMaps.getOrDefault(map, Map.of())
                        .forEach((field, indexes) -> indexes.forEach((index) -> node.withArray(field).add(index)));
            }
            return new AmplitudeResponse(this.code, body);
        }

    }

}
