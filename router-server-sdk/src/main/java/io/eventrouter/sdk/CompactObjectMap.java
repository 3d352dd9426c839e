package io.eventrouter.sdk;

import java.io.Serial;
import java.io.Serializable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The properties of an {@code ObjectNode} that an event builder creates: a singly linked list of
 * entries in insertion order, searched linearly. An event has a handful of top-level fields and
 * a few dozen properties at most. For those, one 24-byte entry per property takes about half the
 * memory of the {@link LinkedHashMap} that Jackson uses by default, which adds a hash table and
 * a 40-byte entry per property. Past {@value #MAX_LIST_ENTRIES} entries it moves everything into
 * a {@code LinkedHashMap}, so that a large object never pays for linear search.
 */
final class CompactObjectMap extends AbstractMap<String, JsonNode> implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    static final int MAX_LIST_ENTRIES = 32;

    private @Nullable Entry head;

    private @Nullable Entry tail;

    private int size;

    /** Every entry once the list grew past {@link #MAX_LIST_ENTRIES}; then the list is empty. */
    private @Nullable LinkedHashMap<String, JsonNode> large;

    private transient int modifications;

    @Override
    public int size() {
        return (this.large != null) ? this.large.size() : this.size;
    }

    @Override
    public boolean containsKey(Object key) {
        return (this.large != null) ? this.large.containsKey(key) : find(key) != null;
    }

    @Override
    public @Nullable JsonNode get(Object key) {
        if (this.large != null) {
            return this.large.get(key);
        }
        Entry entry = find(key);
        return (entry != null) ? entry.value : null;
    }

    @Override
    public @Nullable JsonNode put(String key, JsonNode value) {
        Objects.requireNonNull(key, "key");
        if (this.large != null) {
            return this.large.put(key, value);
        }
        Entry existing = find(key);
        if (existing != null) {
            return existing.setValue(value);
        }
        if (this.size == MAX_LIST_ENTRIES) {
            LinkedHashMap<String, JsonNode> copy = new LinkedHashMap<>(this);
            clear();
            this.large = copy;
            return copy.put(key, value);
        }
        Entry added = new Entry(key, value);
        if (this.tail == null) {
            this.head = added;
        }
        else {
            this.tail.next = added;
        }
        this.tail = added;
        this.size++;
        this.modifications++;
        return null;
    }

    @Override
    public @Nullable JsonNode remove(Object key) {
        if (this.large != null) {
            return this.large.remove(key);
        }
        Entry previous = null;
        for (Entry entry = this.head; entry != null; entry = entry.next) {
            if (entry.key.equals(key)) {
                unlink(previous, entry);
                return entry.value;
            }
            previous = entry;
        }
        return null;
    }

    @Override
    public void clear() {
        this.large = null;
        this.head = null;
        this.tail = null;
        this.size = 0;
        this.modifications++;
    }

    @Override
    public Set<Map.Entry<String, JsonNode>> entrySet() {
        return (this.large != null) ? this.large.entrySet() : new EntrySet();
    }

    private @Nullable Entry find(Object key) {
        for (Entry entry = this.head; entry != null; entry = entry.next) {
            if (entry.key.equals(key)) {
                return entry;
            }
        }
        return null;
    }

    private void unlink(@Nullable Entry previous, Entry entry) {
        if (previous == null) {
            this.head = entry.next;
        }
        else {
            previous.next = entry.next;
        }
        if (this.tail == entry) {
            this.tail = previous;
        }
        this.size--;
        this.modifications++;
    }

    private static final class Entry implements Map.Entry<String, JsonNode>, Serializable {

        @Serial
        private static final long serialVersionUID = 1L;

        private final String key;

        private JsonNode value;

        private @Nullable Entry next;

        Entry(String key, JsonNode value) {
            this.key = key;
            this.value = value;
        }

        @Override
        public String getKey() {
            return this.key;
        }

        @Override
        public JsonNode getValue() {
            return this.value;
        }

        @Override
        public JsonNode setValue(JsonNode value) {
            JsonNode previous = this.value;
            this.value = value;
            return previous;
        }

        @Override
        public boolean equals(Object other) {
            return (other instanceof Map.Entry<?, ?> entry)
                    && this.key.equals(entry.getKey()) && Objects.equals(this.value, entry.getValue());
        }

        @Override
        public int hashCode() {
            return this.key.hashCode() ^ Objects.hashCode(this.value);
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

        private @Nullable Entry next = CompactObjectMap.this.head;

        private @Nullable Entry last;

        private @Nullable Entry beforeLast;

        private int expectedModifications = CompactObjectMap.this.modifications;

        @Override
        public boolean hasNext() {
            return this.next != null;
        }

        @Override
        public Map.Entry<String, JsonNode> next() {
            checkForModification();
            Entry entry = this.next;
            if (entry == null) {
                throw new NoSuchElementException();
            }
            if (this.last != null) {
                this.beforeLast = this.last;
            }
            this.last = entry;
            this.next = entry.next;
            return entry;
        }

        @Override
        public void remove() {
            Entry removed = this.last;
            if (removed == null) {
                throw new IllegalStateException("next() was not called, or remove() was called already");
            }
            checkForModification();
            unlink(this.beforeLast, removed);
            this.last = null;
            this.expectedModifications = CompactObjectMap.this.modifications;
        }

        private void checkForModification() {
            if (CompactObjectMap.this.modifications != this.expectedModifications) {
                throw new ConcurrentModificationException();
            }
        }

    }

}
