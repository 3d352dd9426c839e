package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.function.LongSupplier;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.Fingerprints;

/**
 * Remembers the most recent accepted events by API key, device id (or user id when there is no
 * device id) and insert id, so that a resent upload is recognised at ingress. It contains at most
 * {@code capacity} events, none older than {@code maxAge}, and forgets the oldest first.
 *
 * <p>Each event is kept as a 64-bit fingerprint of its key, in an open-addressing table with
 * linear probing and a ring of insertion times, about 28 bytes per event. Two different keys
 * share a fingerprint with a chance of about {@code capacity / 2^64}; the later event would then
 * count as a duplicate.
 *
 * <p>Thread-safe: every method synchronizes on the window.
 */
final class DuplicateWindow {

    /** The fingerprint of an event without an insert id, and the mark of a free table slot. */
    static final long EMPTY = 0;

    private final int capacity;

    private final long maxAgeNanos;

    private final LongSupplier nanoClock;

    /** Fingerprints by hash slot; {@link #EMPTY} marks a free slot. */
    private final long[] keys;

    /** The ring position of the fingerprint in the same slot of {@link #keys}. */
    private final int[] positions;

    private final long[] ringKeys;

    private final long[] ringTimes;

    /** The ring position of the oldest entry. */
    private int head;

    private int size;

    DuplicateWindow(int capacity, Duration maxAge) {
        this(capacity, maxAge, System::nanoTime);
    }

    DuplicateWindow(int capacity, Duration maxAge, LongSupplier nanoClock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, but was " + capacity);
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive, but was " + maxAge);
        }
        this.capacity = capacity;
        this.maxAgeNanos = maxAge.toNanos();
        this.nanoClock = nanoClock;
        int slots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
        this.keys = new long[slots];
        this.positions = new int[slots];
        this.ringKeys = new long[capacity];
        this.ringTimes = new long[capacity];
    }

    /**
     * Returns the fingerprint of an event's key, or {@link #EMPTY} when the event has no insert
     * id and so cannot be recognised when resent.
     */
    static long fingerprint(Event event) {
        return fingerprint(event, event.deviceId().or(event::userId).orElse(""));
    }

    /**
     * Returns the fingerprint the event had when it arrived without its device id, or
     * {@link #EMPTY} when it has no user id. Identity stitching may add a device id after the
     * window recorded the event under its user id.
     */
    static long userFingerprint(Event event) {
        return event.userId().map((userId) -> fingerprint(event, userId)).orElse(EMPTY);
    }

    private static long fingerprint(Event event, String identity) {
        String insertId = event.insertId().orElse(null);
        if (insertId == null) {
            return EMPTY;
        }
        long hash = Fingerprints.of(event.context().apiKey(), identity, insertId);
        return (hash == EMPTY) ? 1 : hash;
    }

    /**
     * Records the fingerprint and returns {@code true}, or returns {@code false} when the window
     * already contains it.
     */
    synchronized boolean claim(long fingerprint) {
        long now = this.nanoClock.getAsLong();
        expire(now);
        if (indexOf(fingerprint) >= 0) {
            return false;
        }
        if (this.size == this.capacity) {
            evictOldest();
        }
        int position = (this.head + this.size) % this.capacity;
        this.ringKeys[position] = fingerprint;
        this.ringTimes[position] = now;
        this.size++;
        insert(fingerprint, position);
        return true;
    }

    /** Forgets a claimed fingerprint, for events the spool did not take after all. */
    synchronized void release(long fingerprint) {
        int index = indexOf(fingerprint);
        if (index >= 0) {
            remove(index);
        }
    }

    int capacity() {
        return this.capacity;
    }

    synchronized int size() {
        return this.size;
    }

    private void expire(long now) {
        while (this.size > 0 && now - this.ringTimes[this.head] > this.maxAgeNanos) {
            evictOldest();
        }
    }

    private void evictOldest() {
        long fingerprint = this.ringKeys[this.head];
        int index = indexOf(fingerprint);
        // A released fingerprint may have been claimed again at a newer position; that one stays.
        if (index >= 0 && this.positions[index] == this.head) {
            remove(index);
        }
        this.head = (this.head + 1) % this.capacity;
        this.size--;
    }

    private int indexOf(long fingerprint) {
        int mask = this.keys.length - 1;
        for (int index = slot(fingerprint); ; index = (index + 1) & mask) {
            long key = this.keys[index];
            if (key == fingerprint) {
                return index;
            }
            if (key == EMPTY) {
                return -1;
            }
        }
    }

    private void insert(long fingerprint, int position) {
        int mask = this.keys.length - 1;
        int index = slot(fingerprint);
        while (this.keys[index] != EMPTY) {
            index = (index + 1) & mask;
        }
        this.keys[index] = fingerprint;
        this.positions[index] = position;
    }

    /** Removes a slot and shifts later members of its probe run back, so lookups need no tombstones. */
    private void remove(int index) {
        int mask = this.keys.length - 1;
        int gap = index;
        int next = (gap + 1) & mask;
        while (this.keys[next] != EMPTY) {
            int home = slot(this.keys[next]);
            // The entry at next may move into the gap unless its home lies cyclically in (gap, next].
            boolean stays = (gap <= next) ? (gap < home && home <= next) : (gap < home || home <= next);
            if (!stays) {
                this.keys[gap] = this.keys[next];
                this.positions[gap] = this.positions[next];
                gap = next;
            }
            next = (next + 1) & mask;
        }
        this.keys[gap] = EMPTY;
    }

    private int slot(long fingerprint) {
        return (int) (fingerprint ^ (fingerprint >>> 32)) & (this.keys.length - 1);
    }

}
