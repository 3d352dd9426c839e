package io.eventrouter.core.event;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Converts plain Java values into JSON trees for event fields, without an {@code ObjectMapper}
 * so that no configuration can change how a property is written.
 */
public final class JsonValues {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonValues() {
    }

    /**
     * Converts {@code value}: {@code null}, strings, booleans, numbers, {@link JsonNode}s (copied),
     * maps with string keys, and collections and arrays of any of these.
     *
     * @throws IllegalArgumentException for any other type, naming it
     */
    public static JsonNode toNode(@Nullable Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof JsonNode node) {
            return node.deepCopy();
        }
        if (value instanceof CharSequence text) {
            return NODES.stringNode(text.toString());
        }
        if (value instanceof Boolean bool) {
            return NODES.booleanNode(bool);
        }
        if (value instanceof Number number) {
            return toNumberNode(number);
        }
        if (value instanceof Map<?, ?> map) {
            return toObjectNode(map);
        }
        if (value instanceof Collection<?> collection) {
            return toArrayNode(collection);
        }
        if (value instanceof Object[] array) {
            return toArrayNode(java.util.Arrays.asList(array));
        }
        throw new IllegalArgumentException("Cannot convert a " + value.getClass().getName()
                + " to JSON; use a string, number, boolean, map, collection or JsonNode");
    }

    private static JsonNode toNumberNode(Number number) {
        if (number instanceof Integer || number instanceof Long || number instanceof Short
                || number instanceof Byte) {
            return NODES.numberNode(number.longValue());
        }
        if (number instanceof BigInteger big) {
            return NODES.numberNode(big);
        }
        if (number instanceof BigDecimal decimal) {
            return NODES.numberNode(decimal);
        }
        double value = number.doubleValue();
        if (!Double.isFinite(value)) {
            // Jackson would write it as a string, such as "NaN", which no reader takes for a number.
            throw new IllegalArgumentException("JSON has no NaN or infinite numbers, but the value was " + value);
        }
        return NODES.numberNode(value);
    }

    private static ObjectNode toObjectNode(Map<?, ?> map) {
        ObjectNode node = NODES.objectNode();
        map.forEach((key, entry) -> {
            if (!(key instanceof String name)) {
                throw new IllegalArgumentException("Map keys must be strings, but found " + key);
            }
            node.set(name, toNode(entry));
        });
        return node;
    }

    private static ArrayNode toArrayNode(Collection<?> values) {
        ArrayNode node = NODES.arrayNode();
        values.forEach((entry) -> node.add(toNode(entry)));
        return node;
    }

}
