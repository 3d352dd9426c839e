package io.eventrouter.core.pipeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.eventrouter.core.event.RequestContext;
import org.jspecify.annotations.Nullable;

/**
 * The batches a dispatcher fills before sending them: one open batch per request context, and
 * the closed batches waiting for their turn, oldest first. Confined to the dispatcher's thread.
 */
final class PendingBatches {

    private final BatchPolicy policy;

    private final Map<RequestContext, OpenBatch> open = new LinkedHashMap<>();

    private final ArrayDeque<List<PendingEvent>> closed = new ArrayDeque<>();

    PendingBatches(BatchPolicy policy) {
        this.policy = policy;
    }

    /** Adds an event to the open batch of its context, closing batches that reach a limit. */
    void add(PendingEvent event, long now) {
        RequestContext context = event.event.context();
        OpenBatch batch = this.open.get(context);
        if (batch != null && batch.bytes + event.bytes > this.policy.maxBytes()) {
            this.closed.add(this.open.remove(context).events);
            batch = null;
        }
        if (batch == null) {
            batch = new OpenBatch(now);
            this.open.put(context, batch);
        }
        batch.events.add(event);
        batch.bytes += event.bytes;
        if (batch.events.size() >= this.policy.maxEvents() || batch.bytes >= this.policy.maxBytes()) {
            this.closed.add(this.open.remove(context).events);
        }
    }

    /**
     * Takes the oldest closed batch, or else an open batch whose first event waited long enough,
     * or any open batch when {@code noMoreEvents} is set because none can grow for now.
     */
    @Nullable List<PendingEvent> poll(long now, boolean noMoreEvents) {
        List<PendingEvent> batch = this.closed.poll();
        if (batch != null) {
            return batch;
        }
        Iterator<OpenBatch> batches = this.open.values().iterator();
        while (batches.hasNext()) {
            OpenBatch candidate = batches.next();
            if (noMoreEvents || now - candidate.openedAt >= this.policy.maxWait().toMillis()) {
                batches.remove();
                return candidate.events;
            }
        }
        return null;
    }

    /** Returns whether there is no batch, open or closed. */
    boolean isEmpty() {
        return this.open.isEmpty() && this.closed.isEmpty();
    }

    /** Returns when the next open batch is due, or {@link Long#MAX_VALUE} when none is open. */
    long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (OpenBatch batch : this.open.values()) {
            next = Math.min(next, batch.openedAt + this.policy.maxWait().toMillis());
        }
        return next;
    }

    /** Removes and returns the events whose ordering key is in {@code keys}. */
    List<PendingEvent> removeKeys(Set<String> keys) {
        List<PendingEvent> removed = new ArrayList<>();
        if (keys.isEmpty()) {
            return removed;
        }
        for (List<PendingEvent> batch : this.closed) {
            removeKeys(batch, keys, removed);
        }
        this.closed.removeIf(List::isEmpty);
        Iterator<OpenBatch> batches = this.open.values().iterator();
        while (batches.hasNext()) {
            OpenBatch batch = batches.next();
            removeKeys(batch.events, keys, removed);
            batch.bytes = batch.events.stream().mapToLong((event) -> event.bytes).sum();
            if (batch.events.isEmpty()) {
                batches.remove();
            }
        }
        return removed;
    }

    private static void removeKeys(List<PendingEvent> batch, Set<String> keys, List<PendingEvent> removed) {
        batch.removeIf((event) -> {
            boolean remove = event.key != null && keys.contains(event.key);
            if (remove) {
                removed.add(event);
            }
            return remove;
        });
    }

    private static final class OpenBatch {

        final List<PendingEvent> events = new ArrayList<>();

        final long openedAt;

        long bytes;

        OpenBatch(long openedAt) {
            this.openedAt = openedAt;
        }

    }

}
