package io.eventrouter.sdk;

import java.io.Serial;
import java.io.Serializable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The properties of a {@link CompactObjectNode}: one array that contains each name followed by its
 * value, in insertion order, searched linearly. An event has a handful of top-level fields and
 * a few dozen properties at most. For those, two array slots per property take a fraction of the
 * memory of the {@link LinkedHashMap} that Jackson uses by default, which adds a hash table and
 * a 40-byte entry per property. Past {@value #MAX_ARRAY_ENTRIES} entries it moves everything
 * into a {@code LinkedHashMap}, so that a large object never pays for linear search.
 *
 * <p>A value is a {@link JsonNode}, or a plain value that would otherwise need a node of its own:
 * a {@link String}, {@link Boolean}, {@link Integer}, {@link Long} or {@link Double}. Readers
 * see the node that Jackson would have made for it ({@code StringNode}, {@code BooleanNode},
 * {@code IntNode}, {@code LongNode}, {@code DoubleNode}), created when read. Events are mostly
 * written and seldom read, so this saves a node per field on the way to the wire.
 */
final class CompactObjectMap extends AbstractMap<String, JsonNode> implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    static final int MAX_ARRAY_ENTRIES = 32;

    /** Room for the entries of a typical {@code event_properties} object without growing. */
    static final int DEFAULT_CAPACITY = 12;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The name of entry {@code i} at {@code 2 * i}, its value at {@code 2 * i + 1}. */
    private Object[] slots;

    private int size;

    /** Every entry once the array grew past {@link #MAX_ARRAY_ENTRIES}; then the array is empty. */
    private @Nullable LinkedHashMap<String, JsonNode> large;

    private transient int modifications;

    CompactObjectMap() {
        this(DEFAULT_CAPACITY);
    }

    CompactObjectMap(int capacity) {
        this.slots = new Object[2 * Math.max(1, Math.min(capacity, MAX_ARRAY_ENTRIES))];
    }

    private CompactObjectMap(Object[] slots, int size, @Nullable LinkedHashMap<String, JsonNode> large) {
        this.slots = slots;
        this.size = size;
        this.large = large;
    }

    /** Returns whether {@code value} can be stored without a node: a string, boolean, int, long or double. */
    static boolean isPlain(@Nullable Object value) {
        return value instanceof String || value instanceof Integer || value instanceof Double
                || value instanceof Boolean || value instanceof Long;
    }

    /** Returns the node Jackson would make for a value stored by {@link #putValue}. */
    static JsonNode node(Object value) {
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value instanceof String text) {
            return NODES.stringNode(text);
        }
        if (value instanceof Integer number) {
            return NODES.numberNode(number.intValue());
        }
        if (value instanceof Double number) {
            return NODES.numberNode(number.doubleValue());
        }
        if (value instanceof Boolean bool) {
            return NODES.booleanNode(bool);
        }
        return NODES.numberNode(((Long) value).longValue());
    }

    /**
     * Sets {@code key} to {@code value}, a {@link JsonNode} or a value for which
     * {@link #isPlain} is true.
     */
    void putValue(String key, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (this.large != null) {
            this.large.put(key, node(value));
            return;
        }
        int index = indexOf(key);
        if (index >= 0) {
            this.slots[2 * index + 1] = value;
            return;
        }
        if (this.size == MAX_ARRAY_ENTRIES) {
            LinkedHashMap<String, JsonNode> copy = new LinkedHashMap<>(this);
            clear();
            this.large = copy;
            copy.put(key, node(value));
            return;
        }
        if (2 * this.size == this.slots.length) {
            int capacity = Math.min(MAX_ARRAY_ENTRIES, this.size + Math.max(4, this.size / 2));
            this.slots = Arrays.copyOf(this.slots, 2 * capacity);
        }
        this.slots[2 * this.size] = key;
        this.slots[2 * this.size + 1] = value;
        this.size++;
        this.modifications++;
    }

    /** Whether the entries moved into a {@code LinkedHashMap}; then {@link #nameAt} and {@link #valueAt} do not apply. */
    boolean isLarge() {
        return this.large != null;
    }

    String nameAt(int index) {
        return (String) this.slots[2 * index];
    }

    /** Returns the value of entry {@code index} as stored: a node or a plain value. */
    Object valueAt(int index) {
        return this.slots[2 * index + 1];
    }

    /** Returns a copy whose node values are deep copies; plain values are immutable and shared. */
    CompactObjectMap deepCopy() {
        if (this.large != null) {
            LinkedHashMap<String, JsonNode> copy = new LinkedHashMap<>();
            this.large.forEach((key, value) -> copy.put(key, value.deepCopy()));
            return new CompactObjectMap(new Object[2], 0, copy);
        }
        Object[] copy = this.slots.clone();
        for (int i = 1; i < 2 * this.size; i += 2) {
            if (copy[i] instanceof JsonNode node) {
                copy[i] = node.deepCopy();
            }
        }
        return new CompactObjectMap(copy, this.size, null);
    }

    @Override
    public int size() {
        return (this.large != null) ? this.large.size() : this.size;
    }

    @Override
    public boolean containsKey(Object key) {
        return (this.large != null) ? this.large.containsKey(key) : indexOf(key) >= 0;
    }

    @Override
    public @Nullable JsonNode get(Object key) {
        if (this.large != null) {
            return this.large.get(key);
        }
        int index = indexOf(key);
        return (index >= 0) ? node(valueAt(index)) : null;
    }

    @Override
    public @Nullable JsonNode put(String key, JsonNode value) {
        JsonNode previous = get(key);
        putValue(key, value);
        return previous;
    }

    @Override
    public @Nullable JsonNode remove(Object key) {
        if (this.large != null) {
            return this.large.remove(key);
        }
        int index = indexOf(key);
        if (index < 0) {
            return null;
        }
        JsonNode previous = node(valueAt(index));
        removeAt(index);
        return previous;
    }

    @Override
    public void clear() {
        this.large = null;
        Arrays.fill(this.slots, 0, 2 * this.size, null);
        this.size = 0;
        this.modifications++;
    }

    @Override
    public Set<Map.Entry<String, JsonNode>> entrySet() {
        return (this.large != null) ? this.large.entrySet() : new EntrySet();
    }

    private int indexOf(Object key) {
        for (int i = 0; i < this.size; i++) {
            if (this.slots[2 * i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    private void removeAt(int index) {
        System.arraycopy(this.slots, 2 * index + 2, this.slots, 2 * index, 2 * (this.size - index - 1));
        this.size--;
        this.slots[2 * this.size] = null;
        this.slots[2 * this.size + 1] = null;
        this.modifications++;
    }

    /**
     * An entry read through {@link #entrySet()}. It keeps the value it was read with, as a
     * {@code LinkedHashMap} entry does, and {@link #setValue} writes through to the map.
     */
    private final class Entry implements Map.Entry<String, JsonNode> {

        private final String key;

        private Object value;

        Entry(int index) {
            this.key = nameAt(index);
            this.value = valueAt(index);
        }

        @Override
        public String getKey() {
            return this.key;
        }

        @Override
        public JsonNode getValue() {
            return node(this.value);
        }

        @Override
        public JsonNode setValue(JsonNode value) {
            Objects.requireNonNull(value, "value");
            JsonNode previous = getValue();
            this.value = value;
            if (CompactObjectMap.this.large == null) {
                int index = indexOf(this.key);
                if (index >= 0) {
                    CompactObjectMap.this.slots[2 * index + 1] = value;
                }
            }
            return previous;
        }

        @Override
        public boolean equals(Object other) {
            return (other instanceof Map.Entry<?, ?> entry)
                    && this.key.equals(entry.getKey()) && getValue().equals(entry.getValue());
        }

        @Override
        public int hashCode() {
            return this.key.hashCode() ^ getValue().hashCode();
        }

    }

    private final class EntrySet extends AbstractSet<Map.Entry<String, JsonNode>> {

        @Override
        public int size() {
            return CompactObjectMap.this.size;
        }

        @Override
        public Iterator<Map.Entry<String, JsonNode>> iterator() {
            return new EntryIterator();
        }

    }

    private final class EntryIterator implements Iterator<Map.Entry<String, JsonNode>> {

        private int next;

        private int last = -1;

        private int expectedModifications = CompactObjectMap.this.modifications;

        @Override
        public boolean hasNext() {
            return this.next < CompactObjectMap.this.size;
        }

        @Override
        public Map.Entry<String, JsonNode> next() {
            checkForModification();
            if (this.next >= CompactObjectMap.this.size) {
                throw new NoSuchElementException();
            }
            this.last = this.next++;
            return new Entry(this.last);
        }

        @Override
        public void remove() {
            if (this.last < 0) {
                throw new IllegalStateException("next() was not called, or remove() was called already");
            }
            checkForModification();
            removeAt(this.last);
            this.next = this.last;
            this.last = -1;
            this.expectedModifications = CompactObjectMap.this.modifications;
        }

        private void checkForModification() {
            if (CompactObjectMap.this.modifications != this.expectedModifications) {
                throw new ConcurrentModificationException();
            }
        }

    }

}
