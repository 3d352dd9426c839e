package io.eventrouter.bridge.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Completes the Experiment user of a remote evaluation request, in the {@code X-Amp-Exp-User}
 * header or in a POST body, with the ids the router has linked.
 *
 * <p>A request whose user is not a JSON object, or whose user the completion leaves unchanged,
 * is forwarded byte for byte: the upstream, not the bridge, judges what a user may look like.
 */
final class ExperimentUsers {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Function<ObjectNode, Mono<ObjectNode>> completion;

    ExperimentUsers(Function<ObjectNode, Mono<ObjectNode>> completion) {
        this.completion = completion;
    }

    /** Completes the user in a header value that is standard base64 of JSON, as {@link Base64Json} leaves it. */
    Mono<String> completeHeader(String base64) {
        byte[] json = Base64.getDecoder().decode(base64);
        return complete(json).map((completed) -> (completed == json) ? base64
                : Base64.getEncoder().encodeToString(completed));
    }

    /** Completes the user in a POST body of JSON. */
    Mono<byte[]> completeBody(byte[] body) {
        return complete(body);
    }

    /** Returns the completed user's JSON, or {@code json} itself when nothing changed. */
    private Mono<byte[]> complete(byte[] json) {
        ObjectNode user = readObject(json);
        if (user == null) {
            return Mono.just(json);
        }
        return this.completion.apply(user)
                .map((completed) -> completed.equals(user) ? json
                        : completed.toString().getBytes(StandardCharsets.UTF_8))
                .defaultIfEmpty(json);
    }

    private static @Nullable ObjectNode readObject(byte[] json) {
        try {
            JsonNode node = JSON.readTree(json);
            return (node instanceof ObjectNode object) ? object : null;
        }
        catch (JacksonException ex) {
            return null;
        }
    }

}
