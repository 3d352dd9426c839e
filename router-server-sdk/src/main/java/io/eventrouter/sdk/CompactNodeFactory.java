package io.eventrouter.sdk;

import java.io.Serial;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Creates the JSON trees of events built by the SDK's builders: object nodes are
 * {@link CompactObjectNode}s. Nested objects the builders add through
 * {@code withObjectProperty} come from here too, because an object node creates its children
 * through its own factory.
 */
final class CompactNodeFactory extends JsonNodeFactory {

    @Serial
    private static final long serialVersionUID = 1L;

    static final CompactNodeFactory INSTANCE = new CompactNodeFactory();

    private CompactNodeFactory() {
    }

    @Override
    public ObjectNode objectNode() {
        return new CompactObjectNode(this, CompactObjectMap.DEFAULT_CAPACITY);
    }

}
