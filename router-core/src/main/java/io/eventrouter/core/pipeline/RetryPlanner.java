package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.eventrouter.core.deadletter.DeadLetter;
import org.jspecify.annotations.Nullable;

/**
 * Decides what becomes of a retry group after a delivery settled some of its events: when the
 * rest is delivered again, which devices pause apart from the others, and when the retry budget
 * is spent. It only decides; the dispatcher carries the plan out.
 */
final class RetryPlanner {

    /**
     * The number of failing groups up to which a group that fails as a whole again splits even
     * when the destination took nothing else in between, as when its batch is the only traffic.
     */
    static final int MAX_GROUPS_SPLIT_ALONE = 4;

    private final RetryPolicy policy;

    RetryPlanner(RetryPolicy policy) {
        this.policy = policy;
    }

    /**
     * Plans the next delivery of what is left in {@code group}, whose chunk just came back.
     *
     * @param group the group, with its settled events already removed; not empty
     * @param lastDeliveredAt when the destination last took events, from this group or another
     * @param otherFailingGroups how many other groups, on the heap or parked, wait for a retry after a failure
     * @param probed whether the chunk went out alone while the destination looked down
     */
    Plan plan(RetryGroup group, List<PendingEvent> chunk, ChunkOutcomes outcomes, long now, long lastDeliveredAt,
            int otherFailingGroups, boolean probed) {
        Plan plan = new Plan();
        if (outcomes.tooLarge) {
            group.maxChunk = Math.max(1, chunk.size() / 2);
            group.dueAt = now;
            group.lastFailure = "the batch was too large";
            plan.remaining.add(group);
            return plan;
        }
        if (!outcomes.throttled.isEmpty()) {
            RetryGroup paused = splitThrottled(group, outcomes.throttled);
            paused.dueAt = now + outcomes.pause.toMillis();
            paused.throttled = true;
            paused.lastFailure = "the destination throttled the device or user";
            keepOrExhaust(paused, now, plan);
        }
        if (group.events.isEmpty()) {
            return plan;
        }
        group.throttled = false;
        RetryGroup half = null;
        if (outcomes.retried > outcomes.resent) {
            // The chunk failed as a whole again. Either the destination took other events since the
            // previous failure was sent, or halving the group costs little: few groups fail, or it
            // was a probe, and a destination that looks down gets one probe per backoff however
            // many groups wait. A destination down for everyone takes nothing, so an outage adds
            // one group per failed probe once four fail.
            boolean failedWhole = outcomes.failedWhole();
            boolean failedBefore = group.lastFailedSend != Long.MAX_VALUE;
            boolean tookOthers = failedWhole && lastDeliveredAt >= group.lastFailedSend;
            boolean isolate = tookOthers || (failedWhole
                    && failedBefore && (probed || otherFailingGroups + 2 <= MAX_GROUPS_SPLIT_ALONE));
            group.attempts++;
            group.lastFailure = outcomes.failure;
            group.lastFailedSend = group.lastAttempt;
            half = isolate ? splitByKey(group) : null;
            // While the destination takes other events, one of the group's devices fails, not the
            // destination. So the halves wait only the first backoff, because the grown one would
            // hold healthy devices for minutes.
            int nextAttempt = (half != null && tookOthers) ? 2 : group.attempts + 1;
            group.dueAt = now + this.policy.backoff(nextAttempt, outcomes.retryDelay).toMillis();
            if (half != null) {
                half.dueAt = group.dueAt;
            }
        }
        else if (outcomes.retried > 0) {
            // Events resent only because the destination named others in their batch did not
            // fail, so they spend no attempt and wait for no backoff. Each such response takes
            // the named events out of the group, so resends alone cannot go on forever.
            group.dueAt = now + outcomes.retryDelay.toMillis();
        }
        else {
            group.dueAt = now;
        }
        keepOrExhaust(group, now, plan);
        if (half != null) {
            plan.halved = true;
            keepOrExhaust(half, now, plan);
        }
        return plan;
    }

    /**
     * Returns the group whose retry has been due longest, leaving out those {@code skip} matches.
     *
     * @return the group, or {@code null} when no group is due
     */
    static @Nullable RetryGroup dueLongest(Collection<RetryGroup> groups, long now, Predicate<RetryGroup> skip) {
        RetryGroup due = null;
        for (RetryGroup group : groups) {
            if (group.dueAt <= now && !skip.test(group) && (due == null || group.dueAt < due.dueAt)) {
                due = group;
            }
        }
        return due;
    }

    /**
     * Picks the retry to send as a probe while the destination looks down: the one due longest
     * among groups of several devices, which split when they fail, else the one due longest. A
     * group of one device cannot split, and when that device keeps failing, probing it first
     * would hold up healthy devices.
     *
     * @return the group, or {@code null} when no group is due
     */
    static @Nullable RetryGroup pickProbe(Collection<RetryGroup> groups, long now, Predicate<RetryGroup> inFlight) {
        RetryGroup splittable = dueLongest(groups, now, (group) -> inFlight.test(group) || !hasSeveralKeys(group));
        return (splittable != null) ? splittable : dueLongest(groups, now, inFlight);
    }

    /**
     * Picks a group to send before it is due, while the destination looks down, nothing is due
     * and no new events wait. It takes the group sent longest ago, so that early probes take turns
     * and one failing device cannot hide the end of an outage. Groups paused by throttling wait
     * for their pause.
     *
     * @return the group, or {@code null} when every group is due, in flight or paused
     */
    static @Nullable RetryGroup pickEarly(Collection<RetryGroup> groups, long now, Predicate<RetryGroup> inFlight) {
        RetryGroup early = null;
        for (RetryGroup group : groups) {
            if (group.attempts > 0 && !group.throttled && group.dueAt > now && !inFlight.test(group)
                    && (early == null || group.lastAttempt < early.lastAttempt)) {
                early = group;
            }
        }
        return early;
    }

    /** Returns whether the group contains events of several devices or users, each keyless event counting as one. */
    static boolean hasSeveralKeys(RetryGroup group) {
        String first = null;
        for (PendingEvent event : group.events) {
            if (event.key == null) {
                return group.events.size() > 1;
            }
            if (first == null) {
                first = event.key;
            }
            else if (!first.equals(event.key)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Moves to a new group every event whose device or user was throttled, so that they pause
     * together while the rest of the group is resent. A keyless event moves only if it was throttled itself.
     */
    private static RetryGroup splitThrottled(RetryGroup group, Set<PendingEvent> throttled) {
        Set<String> keys = new HashSet<>();
        throttled.stream().filter((event) -> event.key != null).forEach((event) -> keys.add(event.key));
        return moveOut(group, (event) -> (event.key != null) ? keys.contains(event.key) : throttled.contains(event));
    }

    /**
     * Moves the later half of the group's devices and users to a new group with the same budget
     * and due time. Amplitude responds with a 5xx for a whole batch, so one device whose events it
     * cannot take would otherwise hold back every other device in the batch and drag them into
     * the dead-letter store. Halving on each such failure isolates that device in a few attempts.
     * A device's events all stay in one half, in order. Each keyless event counts as a device.
     *
     * @return the new group, or {@code null} when the group holds a single device
     */
    private static @Nullable RetryGroup splitByKey(RetryGroup group) {
        List<Object> units = new ArrayList<>();
        Set<Object> seen = new HashSet<>();
        for (PendingEvent event : group.events) {
            Object unit = (event.key != null) ? event.key : event;
            if (seen.add(unit)) {
                units.add(unit);
            }
        }
        if (units.size() < 2) {
            return null;
        }
        Set<Object> later = new HashSet<>(units.subList((units.size() + 1) / 2, units.size()));
        RetryGroup half = moveOut(group, (event) -> later.contains((event.key != null) ? event.key : event));
        half.dueAt = group.dueAt;
        return half;
    }

    /** Moves the events {@code move} matches, in order, from {@code group} to a new group that shares its budget. */
    private static RetryGroup moveOut(RetryGroup group, Predicate<PendingEvent> move) {
        List<PendingEvent> moved = new ArrayList<>();
        group.events.removeIf((event) -> {
            boolean matches = move.test(event);
            if (matches) {
                moved.add(event);
            }
            return matches;
        });
        return group.splitOff(moved);
    }

    private void keepOrExhaust(RetryGroup group, long now, Plan plan) {
        if (!this.policy.isExhausted(group.attempts, Duration.ofMillis(now - group.firstAttempt))) {
            plan.remaining.add(group);
            return;
        }
        // Throttling pauses spend only the age, so a throttled group can run out with no failed delivery.
        String spent = (group.attempts >= this.policy.maxAttempts())
                ? "max-attempts of " + this.policy.maxAttempts() + " reached"
                : "max-age of " + this.policy.maxAge().toSeconds() + " s reached; failed deliveries: " + group.attempts;
        Rejection rejection = new Rejection(DeadLetter.RETRY_BUDGET_EXHAUSTED, "Retry budget exhausted ("
                + spent + "); last failure: " + group.lastFailure);
        Map<PendingEvent, Rejection> events = new LinkedHashMap<>();
        group.events.forEach((event) -> events.put(event, rejection));
        group.events.clear();
        plan.exhausted.put(group, events);
    }

    /** The groups that wait for another delivery, and the events of groups whose budget is spent. */
    static final class Plan {

        final List<RetryGroup> remaining = new ArrayList<>();

        final Map<RetryGroup, Map<PendingEvent, Rejection>> exhausted = new LinkedHashMap<>();

        /** Whether the group split its devices in two after failing as a whole again. */
        boolean halved;

    }

}
