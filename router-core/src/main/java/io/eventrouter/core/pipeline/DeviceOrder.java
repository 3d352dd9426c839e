package io.eventrouter.core.pipeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.eventrouter.core.event.RequestContext;

/**
 * The record of devices a dispatcher holds back, and of those whose skipped events must be read
 * again. A key is blocked while a retry group contains one of its events, and events of a blocked
 * key read from the spool are skipped. A released key whose events were skipped stays blocked until the
 * next rewind, so that its events come back in spool order and none overtakes another.
 *
 * <p>Several deliveries may be in flight at once, but a key's events are in at most one of them.
 * A fresh delivery claims the keys of its events until it settles. Events of a claimed key that
 * are read meanwhile wait on the heap in acceptance order, and go out in a delivery of their own
 * once the claim ends. They count against the dispatcher's heap limit like any held event.
 *
 * <p>Confined to the dispatcher's thread.
 */
final class DeviceOrder {

    private final Map<String, RetryGroup> blockedBy = new HashMap<>();

    /** Blocked keys with events that were skipped and must be read again. */
    private final Set<String> skipped = new HashSet<>();

    /** Keys no group contains any more, waiting for the rewind that reads their skipped events. */
    private final Set<String> releasing = new HashSet<>();

    /** Keys whose waiting events left the heap, with the scheduler time their group is due. */
    private final Map<String, Long> parkedUntil = new HashMap<>();

    /** Keys with events in a delivery in flight that is not a retry, with the group that contains them. */
    private final Map<String, RetryGroup> claimedBy = new HashMap<>();

    /** Events of claimed keys read after the claim began, in acceptance order per key. */
    private final Map<String, ArrayDeque<PendingEvent>> waiting = new LinkedHashMap<>();

    /** Keys with waiting events whose claim ended, so their events may go out next. */
    private final Set<String> ready = new LinkedHashSet<>();

    boolean isBlocked(String key) {
        return this.blockedBy.containsKey(key) || this.releasing.contains(key) || this.parkedUntil.containsKey(key);
    }

    /**
     * Returns whether {@code group} blocks the key and nothing else does: the key is neither
     * parked nor waiting for a rewind.
     */
    boolean isBlockedOnlyBy(String key, RetryGroup group) {
        return this.blockedBy.get(key) == group && !this.releasing.contains(key) && !this.parkedUntil.containsKey(key);
    }

    /**
     * Claims the keys of a group that starts its first delivery. Keys that a retry group blocks
     * are left alone, since their later events stay in the spool anyway.
     */
    void claim(RetryGroup group) {
        for (PendingEvent event : group.events) {
            if (event.key != null && !this.blockedBy.containsKey(event.key)) {
                this.claimedBy.put(event.key, group);
            }
        }
    }

    /**
     * Makes a batched event wait when an earlier event of its key is in flight or waiting.
     *
     * @return whether the event now waits, and must leave its batch
     */
    boolean waitIfClaimed(PendingEvent event) {
        String key = event.key;
        if (key == null || (!this.claimedBy.containsKey(key) && !this.waiting.containsKey(key))) {
            return false;
        }
        this.waiting.computeIfAbsent(key, (unused) -> new ArrayDeque<>()).add(event);
        return true;
    }

    /**
     * Ends the claims of a group whose delivery settled, so that the waiting events of its keys may
     * go out. Call it after the group's remaining events were bound: a key the group still holds
     * is blocked, and its waiting events have left the heap.
     */
    void unclaim(RetryGroup group) {
        Iterator<Map.Entry<String, RetryGroup>> claims = this.claimedBy.entrySet().iterator();
        while (claims.hasNext()) {
            Map.Entry<String, RetryGroup> claim = claims.next();
            if (claim.getValue() == group) {
                claims.remove();
                if (!this.blockedBy.containsKey(claim.getKey()) && this.waiting.containsKey(claim.getKey())) {
                    this.ready.add(claim.getKey());
                }
            }
        }
    }

    /**
     * Takes waiting events whose claim ended, for one delivery: events of one request context,
     * within the batch limits. Their keys must be claimed again by the group that carries them.
     */
    List<PendingEvent> takeReady(BatchPolicy policy) {
        List<PendingEvent> taken = new ArrayList<>();
        RequestContext context = null;
        long bytes = 0;
        Iterator<String> keys = this.ready.iterator();
        while (keys.hasNext()) {
            String key = keys.next();
            ArrayDeque<PendingEvent> events = this.waiting.get(key);
            if (context == null) {
                context = events.peek().event.context();
            }
            if (!events.peek().event.context().equals(context)) {
                continue;
            }
            // A key leaves the ready set only with at least one event, which the new group then claims.
            if (!fits(taken, bytes, events.peek(), policy)) {
                break;
            }
            keys.remove();
            while (!events.isEmpty() && events.peek().event.context().equals(context)
                    && fits(taken, bytes, events.peek(), policy)) {
                PendingEvent event = events.poll();
                bytes += event.bytes;
                taken.add(event);
            }
            if (events.isEmpty()) {
                this.waiting.remove(key);
            }
        }
        return taken;
    }

    private static boolean fits(List<PendingEvent> taken, long bytes, PendingEvent next, BatchPolicy policy) {
        return taken.size() < policy.maxEvents() && (taken.isEmpty() || bytes + next.bytes <= policy.maxBytes());
    }

    /** Removes and returns the waiting events of {@code keys}; the keys are no longer ready. */
    List<PendingEvent> removeWaiting(Set<String> keys) {
        List<PendingEvent> removed = new ArrayList<>();
        for (String key : keys) {
            ArrayDeque<PendingEvent> events = this.waiting.remove(key);
            if (events != null) {
                removed.addAll(events);
            }
            this.ready.remove(key);
        }
        return removed;
    }

    /**
     * Keeps a key blocked until {@code until} after its group dropped its events from the heap.
     * They stay in the spool and are read again when the group is due.
     */
    void park(String key, RetryGroup group, long until) {
        if (this.blockedBy.get(key) == group) {
            this.blockedBy.remove(key);
        }
        this.parkedUntil.merge(key, until, Math::max);
        this.skipped.add(key);
    }

    /**
     * Releases the parked keys whose group is due.
     *
     * @return whether any was released, so the dispatcher must rewind
     */
    boolean releaseParked(long now) {
        boolean rewind = false;
        var parked = this.parkedUntil.entrySet().iterator();
        while (parked.hasNext()) {
            Map.Entry<String, Long> entry = parked.next();
            if (entry.getValue() <= now) {
                parked.remove();
                this.skipped.remove(entry.getKey());
                this.releasing.add(entry.getKey());
                rewind = true;
            }
        }
        return rewind;
    }

    /** Returns when the next parked key is released, or {@link Long#MAX_VALUE} when none is parked. */
    long nextParkedRelease() {
        if (this.parkedUntil.isEmpty()) {
            // The dispatcher asks after every task, and parked keys are rare.
            return Long.MAX_VALUE;
        }
        return this.parkedUntil.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
    }

    /** Records that an event of a blocked key was left in the spool. */
    void skip(String key) {
        this.skipped.add(key);
    }

    /**
     * Points each key of the groups' events at the group that contains it.
     *
     * @return the keys no group contained before, whose batched events must now leave the heap
     */
    Set<String> bind(List<RetryGroup> holders) {
        Set<String> newlyBlocked = new HashSet<>();
        for (RetryGroup holder : holders) {
            for (PendingEvent event : holder.events) {
                if (event.key != null && this.blockedBy.put(event.key, holder) == null) {
                    newlyBlocked.add(event.key);
                }
            }
        }
        return newlyBlocked;
    }

    /**
     * Releases the keys that {@code group} held and no longer does.
     *
     * @param keysBefore the keys of the group's events before its delivery settled
     * @return whether a released key had skipped events, so the dispatcher must rewind
     */
    boolean release(RetryGroup group, Set<String> keysBefore) {
        boolean rewind = false;
        for (String key : keysBefore) {
            if (this.blockedBy.get(key) == group && group.events.stream().noneMatch((event) -> key.equals(event.key))) {
                this.blockedBy.remove(key);
                if (this.skipped.remove(key)) {
                    this.releasing.add(key);
                    rewind = true;
                }
            }
        }
        return rewind;
    }

    /** Unblocks the released keys once a rewind starts reading their events again. */
    void rewound() {
        this.skipped.removeAll(this.releasing);
        this.releasing.clear();
    }

}
