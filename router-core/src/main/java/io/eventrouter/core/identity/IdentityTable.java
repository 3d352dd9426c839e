package io.eventrouter.core.identity;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An open-addressing hash table from 64-bit identity keys to one link each, laid out in
 * primitive arrays instead of objects per entry. Not thread-safe: {@link EmbeddedIdentityStore}
 * guards each table with a lock.
 *
 * <p>{@code slots} contains three longs per entry, key, time and session id, side by side so that
 * a lookup touches one cache line; key 0 marks a free slot. The linked id, the user id of a device
 * or the device id of a user, is kept as UTF-8 in {@code arena}, after a length of one or two
 * bytes, and {@code offsets} points at it. An entry thus costs 28 bytes per slot plus its id and
 * one or two bytes, with no object header per id. Linear probing over a table at most three
 * quarters full keeps probe sequences short, and growing by half keeps it at least half full.
 * Entries are never removed one by one: the store drops whole tables when they age out. A replaced
 * id stays in the arena as garbage until the garbage outweighs the live ids and the arena is
 * compacted.
 */
final class IdentityTable {

    private static final int STRIDE = 3;

    private static final int MIN_CAPACITY = 16;

    /** Ids up to this many bytes take a one-byte length; longer ones two bytes. */
    private static final int SHORT_LENGTH_LIMIT = 0x80;

    /** Small arenas are not worth compacting. */
    private static final int MIN_GARBAGE_TO_COMPACT = 4096;

    private long[] slots;

    private int[] offsets;

    private byte[] arena;

    private int arenaSize;

    /** Arena bytes of ids that were replaced; reclaimed by {@link #compactArena()}. */
    private int garbage;

    private int size;

    IdentityTable() {
        this.slots = new long[MIN_CAPACITY * STRIDE];
        this.offsets = new int[MIN_CAPACITY];
        this.arena = new byte[MIN_CAPACITY * 32];
    }

    int size() {
        return this.size;
    }

    int capacity() {
        return this.offsets.length;
    }

    /** Returns the slot index of {@code key}, or -1 when the table does not contain it. */
    int find(long key) {
        int capacity = this.offsets.length;
        for (int index = indexOf(key, capacity); ; index = next(index, capacity)) {
            long slotKey = this.slots[index * STRIDE];
            if (slotKey == key) {
                return index;
            }
            if (slotKey == 0) {
                return -1;
            }
        }
    }

    /**
     * Reads the slot where a lookup of {@code key} starts, and returns what it read. Called without
     * the lock, so it reads each array once and checks the bounds a concurrent growth may change.
     */
    long touchSlot(long key) {
        long[] slots = this.slots;
        int[] offsets = this.offsets;
        if (slots == null || offsets == null) {
            return 0;
        }
        int index = indexOf(key, offsets.length);
        return (index * STRIDE < slots.length) ? slots[index * STRIDE] + offsets[index] : 0;
    }

    /**
     * Reads the first and last byte of the id linked from {@code key}, if the table contains the
     * key, and returns what it read. Called without the lock, like {@link #touchSlot}, and gives
     * up after a few probes, since it only warms the caches.
     */
    long touchValue(long key) {
        long[] slots = this.slots;
        int[] offsets = this.offsets;
        byte[] arena = this.arena;
        if (slots == null || offsets == null || arena == null || slots.length != offsets.length * STRIDE) {
            return 0;
        }
        int capacity = offsets.length;
        int index = indexOf(key, capacity);
        for (int probe = 0; probe < 4; probe++) {
            long slotKey = slots[index * STRIDE];
            if (slotKey == key) {
                int offset = offsets[index];
                if (offset < 0 || offset >= arena.length) {
                    return 0;
                }
                int first = arena[offset] & 0xFF;
                int last = Math.min(arena.length - 1, offset + ((first < SHORT_LENGTH_LIMIT) ? first : 1));
                return first + arena[last];
            }
            if (slotKey == 0) {
                return 0;
            }
            index = next(index, capacity);
        }
        return 0;
    }

    /** Tells whether slot {@code index} contains an entry. */
    boolean isUsed(int index) {
        return this.slots[index * STRIDE] != 0;
    }

    long key(int index) {
        return this.slots[index * STRIDE];
    }

    long time(int index) {
        return this.slots[index * STRIDE + 1];
    }

    long session(int index) {
        return this.slots[index * STRIDE + 2];
    }

    /** Returns a copy of the linked id's UTF-8 bytes. */
    byte[] value(int index) {
        int start = valueStart(this.offsets[index]);
        return Arrays.copyOfRange(this.arena, start, start + valueLength(this.offsets[index]));
    }

    /** Returns the linked id. */
    String valueString(int index) {
        int offset = this.offsets[index];
        return new String(this.arena, valueStart(offset), valueLength(offset), StandardCharsets.UTF_8);
    }

    private int valueLength(int offset) {
        int length = this.arena[offset] & 0xFF;
        return (length < SHORT_LENGTH_LIMIT) ? length : ((length & 0x7F) << 8) | (this.arena[offset + 1] & 0xFF);
    }

    private int valueStart(int offset) {
        return ((this.arena[offset] & 0xFF) < SHORT_LENGTH_LIMIT) ? offset + 1 : offset + 2;
    }

    /** Returns how many arena bytes the value at {@code offset} takes, its length prefix included. */
    private int storedSize(int offset) {
        return valueStart(offset) - offset + valueLength(offset);
    }

    private boolean valueEquals(int offset, byte[] value) {
        int start = valueStart(offset);
        return Arrays.equals(this.arena, start, start + valueLength(offset), value, 0, value.length);
    }

    /**
     * Inserts or replaces the entry for {@code key}; {@code key} must not be 0 and {@code value}
     * must be shorter than 32 KiB.
     */
    void put(long key, long time, long session, byte[] value) {
        int index = find(key);
        if (index < 0) {
            if ((this.size + 1) * 4L > this.offsets.length * 3L) {
                grow();
            }
            index = freeSlot(key);
            this.size++;
            this.offsets[index] = append(value);
        }
        else if (!valueEquals(this.offsets[index], value)) {
            this.garbage += storedSize(this.offsets[index]);
            this.offsets[index] = append(value);
        }
        int base = index * STRIDE;
        this.slots[base] = key;
        this.slots[base + 1] = time;
        this.slots[base + 2] = session;
        if (this.garbage > MIN_GARBAGE_TO_COMPACT && this.garbage * 2 > this.arenaSize) {
            compactArena();
        }
    }

    /**
     * Copies the live ids into a fresh arena. Ids that change, such as a user moving between
     * devices, leave their old bytes behind, and without this the arena of a table whose keys
     * never change would grow without bound.
     */
    private void compactArena() {
        byte[] old = this.arena;
        this.arena = new byte[Math.max(MIN_CAPACITY * 32, this.arenaSize - this.garbage)];
        this.arenaSize = 0;
        this.garbage = 0;
        for (int index = 0; index < this.offsets.length; index++) {
            if (isUsed(index)) {
                int offset = this.offsets[index];
                int length = storedSize(old, offset);
                ensureArena(length);
                System.arraycopy(old, offset, this.arena, this.arenaSize, length);
                this.offsets[index] = this.arenaSize;
                this.arenaSize += length;
            }
        }
    }

    private static int storedSize(byte[] arena, int offset) {
        int first = arena[offset] & 0xFF;
        return (first < SHORT_LENGTH_LIMIT) ? 1 + first : 2 + (((first & 0x7F) << 8) | (arena[offset + 1] & 0xFF));
    }

    private void ensureArena(int needed) {
        if (this.arenaSize + needed > this.arena.length) {
            // A quarter more at a time: the arena is most of a table's bytes, and its slack counts
            // against the memory per link as much as empty slots do.
            this.arena = Arrays.copyOf(this.arena, Math.max(this.arena.length + (this.arena.length >> 2),
                    this.arenaSize + needed));
        }
    }

    private int append(byte[] value) {
        if (value.length >= (SHORT_LENGTH_LIMIT << 8)) {
            throw new IllegalArgumentException("An id must be shorter than 32 KiB, but had " + value.length + " bytes");
        }
        ensureArena(value.length + 2);
        int offset = this.arenaSize;
        if (value.length < SHORT_LENGTH_LIMIT) {
            this.arena[this.arenaSize++] = (byte) value.length;
        }
        else {
            this.arena[this.arenaSize++] = (byte) (SHORT_LENGTH_LIMIT | (value.length >>> 8));
            this.arena[this.arenaSize++] = (byte) value.length;
        }
        System.arraycopy(value, 0, this.arena, this.arenaSize, value.length);
        this.arenaSize += value.length;
        return offset;
    }

    private int freeSlot(long key) {
        int capacity = this.offsets.length;
        int index = indexOf(key, capacity);
        while (this.slots[index * STRIDE] != 0) {
            index = next(index, capacity);
        }
        return index;
    }

    /**
     * Grows the slots by half; the arena stays as it is, so offsets remain valid. Growing by half
     * rather than doubling keeps a table between half and three quarters full, where doubling
     * would leave it only three eighths full after each growth.
     */
    private void grow() {
        long[] oldSlots = this.slots;
        int[] oldOffsets = this.offsets;
        int capacity = oldOffsets.length + (oldOffsets.length >> 1);
        this.slots = new long[capacity * STRIDE];
        this.offsets = new int[capacity];
        for (int index = 0; index < oldOffsets.length; index++) {
            long key = oldSlots[index * STRIDE];
            if (key != 0) {
                int target = freeSlot(key);
                System.arraycopy(oldSlots, index * STRIDE, this.slots, target * STRIDE, STRIDE);
                this.offsets[target] = oldOffsets[index];
            }
        }
    }

    /**
     * Maps the key's low 32 bits onto {@code [0, capacity)} by multiplying and keeping the high
     * half, which works for any capacity, not only powers of two. Keys are already well-mixed
     * hashes, and the store spends their high bits on choosing a segment.
     */
    private static int indexOf(long key, int capacity) {
        return (int) (((key & 0xFFFF_FFFFL) * capacity) >>> 32);
    }

    private static int next(int index, int capacity) {
        int next = index + 1;
        return (next == capacity) ? 0 : next;
    }

    @Override
    public String toString() {
        return "IdentityTable[size=" + this.size + ", capacity=" + this.offsets.length + "]";
    }

}
