package io.eventrouter.core.event;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@link JsonMapper} for reading and writing events. It reads decimals as {@code BigDecimal},
 * so numbers leave the router as the client wrote them. A double would round
 * {@code 0.1000000000000000055511} and turn {@code 1e400} into the string {@code "Infinity"}.
 * It is immutable and thread-safe.
 */
public final class EventJson {

    public static final JsonMapper MAPPER = configure(JsonMapper.builder()).build();

    private EventJson() {
    }

    /** Applies the event settings to {@code builder}, for mappers that add their own, such as limits. */
    public static JsonMapper.Builder configure(JsonMapper.Builder builder) {
        return builder.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    }

}
