package io.eventrouter.core.amplitude;

import io.eventrouter.core.event.EventJson;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one {@link JsonMapper} the Amplitude codecs share. It is immutable and thread-safe.
 */
final class AmplitudeJson {

    /**
     * Amplitude allows property objects nested 40 levels deep; the request object, the events
     * array and the event object add three more. Deeper bodies fail to parse and get the
     * invalid-JSON response.
     * NOTE: nesting from 41 to 61 levels inside a property passes, because Amplitude does not
     * document whether it truncates or rejects such properties.
     */
    private static final int MAX_NESTING_DEPTH = 64;

    static final JsonMapper MAPPER = EventJson.configure(JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                    .build()))
            // Text after the request object is malformed input, not something to ignore.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private AmplitudeJson() {
    }

}
