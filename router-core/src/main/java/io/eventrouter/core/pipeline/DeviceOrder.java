package io.eventrouter.core.pipeline;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The record of devices a dispatcher holds back, and of those whose skipped events must be read
 * again. A key is blocked while a retry group contains one of its events, and events of a blocked
 * key read from the spool are skipped. A released key whose events were skipped stays blocked until the
 * next rewind, so that its events come back in spool order and none overtakes another.
 *
 * <p>Confined to the dispatcher's thread.
 */
final class DeviceOrder {

    private final Map<String, RetryGroup> blockedBy = new HashMap<>();

    /** Blocked keys with events that were skipped and must be read again. */
    private final Set<String> skipped = new HashSet<>();

    /** Keys no group contains any more, waiting for the rewind that reads their skipped events. */
    private final Set<String> releasing = new HashSet<>();

    /** Keys whose paused events left the heap, with the scheduler time their pause ends. */
    private final Map<String, Long> parkedUntil = new HashMap<>();

    boolean isBlocked(String key) {
        return this.blockedBy.containsKey(key) || this.releasing.contains(key) || this.parkedUntil.containsKey(key);
    }

    /**
     * Keeps a key blocked until {@code until} after its group dropped its events from the heap.
     * They stay in the spool and are read again when the pause ends.
     */
    void park(String key, RetryGroup group, long until) {
        if (this.blockedBy.get(key) == group) {
            this.blockedBy.remove(key);
        }
        this.parkedUntil.merge(key, until, Math::max);
        this.skipped.add(key);
    }

    /**
     * Releases the parked keys whose pause has ended.
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

    /** Returns when the next parked key's pause ends, or {@link Long#MAX_VALUE} when none is parked. */
    long nextParkedRelease() {
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
