package io.eventrouter.sdk;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The property operations of Amplitude's identify and group identify events: {@code $set},
 * {@code $setOnce}, {@code $add}, {@code $append}, {@code $prepend}, {@code $preInsert},
 * {@code $postInsert}, {@code $remove}, {@code $unset} and {@code $clearAll}.
 *
 * <p>Amplitude applies one operation per property, so naming a property in a second operation
 * fails, and {@code $clearAll} excludes every other operation.
 *
 * @param <B> the concrete builder
 * @since 0.1.0
 */
public abstract class PropertyOperationsBuilder<B extends PropertyOperationsBuilder<B>> extends BaseEventBuilder<B> {

    /** The value Amplitude's SDKs send for operations that take none. */
    private static final String NO_VALUE = "-";

    private static final String CLEAR_ALL = "$clearAll";

    private final String target;

    private ObjectNode operations = NODES.objectNode();

    /** Whether an event built last owns {@link #operations}, so the next operation must copy them first. */
    private boolean operationsShared;

    private final Map<String, String> operationByProperty = new HashMap<>();

    PropertyOperationsBuilder(String eventType, String target) {
        super(eventType);
        this.target = target;
    }

    /** Sets a property, replacing its value. */
    public B set(String property, @Nullable Object value) {
        return operation("$set", property, toNode(value));
    }

    /** Sets a property only if it has no value yet, such as a first sign-up date. */
    public B setOnce(String property, @Nullable Object value) {
        return operation("$setOnce", property, toNode(value));
    }

    /** Adds a number to a numeric property; a negative number subtracts. */
    public B add(String property, Number increment) {
        return operation("$add", property, toNode(Objects.requireNonNull(increment, "increment")));
    }

    /** Appends a value, or each value of a collection, to a list property. */
    public B append(String property, @Nullable Object value) {
        return operation("$append", property, toNode(value));
    }

    /** Prepends a value, or each value of a collection, to a list property. */
    public B prepend(String property, @Nullable Object value) {
        return operation("$prepend", property, toNode(value));
    }

    /** Inserts a value at the start of a list property unless the list contains it already. */
    public B preInsert(String property, @Nullable Object value) {
        return operation("$preInsert", property, toNode(value));
    }

    /** Inserts a value at the end of a list property unless the list contains it already. */
    public B postInsert(String property, @Nullable Object value) {
        return operation("$postInsert", property, toNode(value));
    }

    /** Removes every occurrence of a value from a list property. */
    public B remove(String property, @Nullable Object value) {
        return operation("$remove", property, toNode(value));
    }

    /** Removes a property. */
    public B unset(String property) {
        return operation("$unset", property, NODES.stringNode(NO_VALUE));
    }

    /**
     * Removes every property.
     *
     * @throws IllegalStateException when another operation was added already
     */
    public B clearAll() {
        if (!this.operations.isEmpty() && !this.operations.has(CLEAR_ALL)) {
            throw new IllegalStateException("$clearAll cannot be combined with other operations, but "
                    + this.operations.propertyNames() + " were added");
        }
        operations().put(CLEAR_ALL, NO_VALUE);
        return self();
    }

    private B operation(String operation, String property, JsonNode value) {
        Objects.requireNonNull(property, "property");
        if (this.operations.has(CLEAR_ALL)) {
            throw new IllegalStateException("No operation can follow $clearAll, but " + operation + " on '"
                    + property + "' was added");
        }
        String previous = this.operationByProperty.putIfAbsent(property, operation);
        if (previous != null) {
            throw new IllegalArgumentException("Property '" + property + "' already has the operation " + previous
                    + "; Amplitude applies one operation per property, so " + operation + " cannot be added");
        }
        operations().withObjectProperty(operation).set(property, value);
        return self();
    }

    @Override
    void complete(ObjectNode event) {
        if (this.operations.isEmpty()) {
            throw new IllegalStateException("The " + event.get("event_type").stringValue()
                    + " event needs at least one property operation, such as set(...)");
        }
        event.set(this.target, this.operations);
        this.operationsShared = true;
    }

    private ObjectNode operations() {
        if (this.operationsShared) {
            this.operations = this.operations.deepCopy();
            this.operationsShared = false;
        }
        return this.operations;
    }

}
