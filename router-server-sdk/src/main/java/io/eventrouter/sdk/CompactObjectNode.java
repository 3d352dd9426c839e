package io.eventrouter.sdk;

import java.io.Serial;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An {@code ObjectNode} of an event that the SDK's builders create, keeping its properties in a
 * {@link CompactObjectMap}. Strings, booleans and numbers set through {@link #putValue} stay
 * plain values, and {@link #serialize} writes them straight to the generator. Readers see an
 * ordinary object node. Serialising through the map's entry set would allocate a view, an
 * iterator and a node per property for every event sent.
 */
final class CompactObjectNode extends ObjectNode {

    @Serial
    private static final long serialVersionUID = 1L;

    CompactObjectNode(JsonNodeFactory nodes, int capacity) {
        super(nodes, new CompactObjectMap(capacity));
    }

    private CompactObjectNode(JsonNodeFactory nodes, CompactObjectMap properties) {
        super(nodes, properties);
    }

    private CompactObjectMap compactMap() {
        return (CompactObjectMap) this._children;
    }

    /**
     * Sets a property to a value converted as {@link BaseEventBuilder#toNode} converts it,
     * storing a string, boolean, int, long or double without a node.
     */
    CompactObjectNode putValue(String name, @Nullable Object value) {
        Object stored = (value instanceof Short || value instanceof Byte) ? Integer.valueOf(((Number) value).intValue())
                : value;
        boolean nonFinite = stored instanceof Double number && !Double.isFinite(number);
        boolean plain = CompactObjectMap.isPlain(stored) && !nonFinite;
        compactMap().putValue(name, plain ? stored : BaseEventBuilder.toNode(stored));
        return this;
    }

    /** Returns whether the property is set, without creating a node for its value as {@code has} does. */
    boolean hasProperty(String name) {
        return this._children.containsKey(name);
    }

    @Override
    public CompactObjectNode deepCopy() {
        return new CompactObjectNode(this._nodeFactory, compactMap().deepCopy());
    }

    @Override
    public void serialize(JsonGenerator generator, SerializationContext context) {
        CompactObjectMap properties = compactMap();
        if (properties.isLarge() || filters(context)) {
            super.serialize(generator, context);
            return;
        }
        int size = properties.size();
        generator.writeStartObject(this, size);
        for (int i = 0; i < size; i++) {
            generator.writeName(properties.nameAt(i));
            write(generator, context, properties.valueAt(i));
        }
        generator.writeEndObject();
    }

    /** Returns whether the context leaves out nulls or empty arrays, which {@code ObjectNode} handles itself. */
    private static boolean filters(@Nullable SerializationContext context) {
        return context != null && (!context.isEnabled(SerializationFeature.WRITE_EMPTY_JSON_ARRAYS)
                || !context.isEnabled(JsonNodeFeature.WRITE_NULL_PROPERTIES));
    }

    private static void write(JsonGenerator generator, SerializationContext context, Object value) {
        if (value instanceof String text) {
            generator.writeString(text);
        }
        else if (value instanceof Integer number) {
            generator.writeNumber(number.intValue());
        }
        else if (value instanceof Double number) {
            generator.writeNumber(number.doubleValue());
        }
        else if (value instanceof Boolean bool) {
            generator.writeBoolean(bool);
        }
        else if (value instanceof Long number) {
            generator.writeNumber(number.longValue());
        }
        else {
            ((JsonNode) value).serialize(generator, context);
        }
    }

}
