package io.eventrouter.core.identity;

import org.jspecify.annotations.Nullable;

/**
 * An open-addressing hash table from 64-bit identity keys to one link each, laid out in
 * primitive arrays so that an entry costs 28 bytes per slot plus its id value instead of
 * several objects. Not thread-safe: {@link EmbeddedIdentityStore} guards each table with a lock.
 *
 * <p>{@code slots} contains three longs per entry, key, time and session id, side by side so that a
 * lookup touches one cache line; key 0 marks a free slot. {@code values} holds the UTF-8 bytes of
 * the linked id, the user id of a device or the device id of a user. Linear probing over a table
 * at most three quarters full keeps probe sequences short, and entries are never removed one by
 * one: the store drops whole tables when they age out.
 */
final class IdentityTable {

    private static final int STRIDE = 3;

    private static final int MIN_CAPACITY = 16;

    private long[] slots;

    private byte[][] values;

    private int size;

    IdentityTable() {
        this.slots = new long[MIN_CAPACITY * STRIDE];
        this.values = new byte[MIN_CAPACITY][];
    }

    int size() {
        return this.size;
    }

    /** Returns the slot index of {@code key}, or -1 when the table does not contain it. */
    int find(long key) {
        int mask = this.values.length - 1;
        for (int index = indexOf(key, mask); ; index = (index + 1) & mask) {
            long slotKey = this.slots[index * STRIDE];
            if (slotKey == key) {
                return index;
            }
            if (slotKey == 0) {
                return -1;
            }
        }
    }

    long time(int index) {
        return this.slots[index * STRIDE + 1];
    }

    long session(int index) {
        return this.slots[index * STRIDE + 2];
    }

    byte[] value(int index) {
        return this.values[index];
    }

    long key(int index) {
        return this.slots[index * STRIDE];
    }

    int capacity() {
        return this.values.length;
    }

    /** Tells whether slot {@code index} contains an entry. */
    boolean isUsed(int index) {
        return this.slots[index * STRIDE] != 0;
    }

    /** Inserts or replaces the entry for {@code key}; {@code key} must not be 0. */
    void put(long key, long time, long session, byte[] value) {
        int index = find(key);
        if (index < 0) {
            if ((this.size + 1) * 4L > this.values.length * 3L) {
                grow();
            }
            index = freeSlot(key);
            this.size++;
        }
        write(index, key, time, session, value);
    }

    private int freeSlot(long key) {
        int mask = this.values.length - 1;
        int index = indexOf(key, mask);
        while (this.slots[index * STRIDE] != 0) {
            index = (index + 1) & mask;
        }
        return index;
    }

    private void write(int index, long key, long time, long session, byte @Nullable [] value) {
        int base = index * STRIDE;
        this.slots[base] = key;
        this.slots[base + 1] = time;
        this.slots[base + 2] = session;
        this.values[index] = value;
    }

    private void grow() {
        long[] oldSlots = this.slots;
        byte[][] oldValues = this.values;
        this.slots = new long[oldSlots.length * 2];
        this.values = new byte[oldValues.length * 2][];
        for (int index = 0; index < oldValues.length; index++) {
            long key = oldSlots[index * STRIDE];
            if (key != 0) {
                write(freeSlot(key), key, oldSlots[index * STRIDE + 1], oldSlots[index * STRIDE + 2],
                        oldValues[index]);
            }
        }
    }

    /** Uses the key's low bits: keys are already well-mixed hashes, and the store spends the high bits. */
    private static int indexOf(long key, int mask) {
        return (int) key & mask;
    }

    @Override
    public String toString() {
        return "IdentityTable[size=" + this.size + ", capacity=" + this.values.length + "]";
    }

}
