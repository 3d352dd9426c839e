package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ObjIntConsumer;

import io.eventrouter.core.deadletter.DeadLetter;
import io.eventrouter.core.deadletter.DeadLetterStore;
import io.eventrouter.core.deadletter.StoredDeadLetter;
import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.Spool;
import io.eventrouter.core.spool.SpooledEvent;
import io.netty.handler.timeout.ReadTimeoutException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Feeds one destination from its cursor in the spool. It batches events and keeps up to
 * {@code maxInFlight} deliveries in flight, or one for a destination that does not accept
 * concurrent deliveries. It retries what failed transiently and sends what was rejected or ran
 * out of retry budget to the dead-letter store. Each event is acknowledged in the spool once it
 * is settled.
 *
 * <p>Design note. All state lives on one thread of the dispatcher's own single-thread scheduler;
 * spool signals, delivery results and timers are posted to it. Ordering is kept per device (see
 * {@link PendingEvent}): a device's events are in at most one delivery in flight, and its later
 * events wait on the heap until that delivery settles (see {@link DeviceOrder}), so deliveries
 * may settle in any order. An event waiting for a retry blocks only its own device. A blocked
 * device's later events are not held on the heap; they are skipped and stay unacknowledged in
 * the spool. When the device is released, the dispatcher rewinds: it resubscribes to the spool,
 * which starts again at the oldest unacknowledged event, and ignores the offsets it already
 * holds. At most {@code maxHeldEvents} events, and about {@code maxHeldBytes} of encoded events,
 * are on the heap at once; past either the dispatcher stops requesting from the spool, so the
 * backlog of a failing destination stays in the spool. At that limit, groups waiting for a pause
 * or a retry leave the heap and their devices stay blocked until the groups are due (see
 * {@link #parkWaitingGroups}).
 */
final class DestinationDispatcher {

    private static final Logger logger = LoggerFactory.getLogger(DestinationDispatcher.class);

    /** Most events requested from the spool at once. */
    private static final int REQUEST_CHUNK = 256;

    /** The size expected of an event before any is read: a guess, which the first events read correct. */
    private static final long INITIAL_EXPECTED_EVENT_BYTES = 1_000;

    /** Rewinds re-read the unacknowledged part of the spool, so releases are gathered for this long. */
    private static final long REWIND_INTERVAL_MILLIS = 50;

    /**
     * The shortest wait for which a group leaves a full heap. A group due sooner would be back
     * about as soon as the rewind that reads it again.
     */
    private static final long MIN_PARKED_WAIT_MILLIS = 2 * REWIND_INTERVAL_MILLIS;

    /**
     * The maximum number of parked events per event of {@code maxHeldEvents}. A parked event costs
     * a map entry and a boxed offset, an estimated 100 bytes, so four take less heap than one
     * held event of a few hundred bytes.
     */
    private static final int PARKED_PER_HELD_EVENT = 4;

    /** How long stopping waits for the dispatcher's thread to finish its current task and stop. */
    private static final long STOP_TIMEOUT_SECONDS = 5;

    private final Destination destination;

    private final BatchPolicy batchPolicy;

    private final RetryPolicy retryPolicy;

    private final Duration deliveryTimeout;

    private final Spool spool;

    private final DeadLetterStore deadLetters;

    private final PipelineMetrics metrics;

    private final int maxHeldEvents;

    private final long maxHeldBytes;

    private final int maxInFlight;

    private final Scheduler scheduler;

    private final Scheduler.Worker worker;

    // Everything below is confined to the worker's thread.

    private boolean running;

    private long generation;

    private @Nullable SpoolReader reader;

    private long outstanding;

    /** Offsets of the events on the heap, each with its encoded size. */
    private final Map<Long, Integer> heldOffsets = new HashMap<>();

    /**
     * Offsets held when the current reader subscribed, which it reads again and drops while they
     * are held. Those of them acknowledged since go to {@link #acknowledgedSinceSubscribe}.
     */
    private Set<Long> heldAtSubscribe = new HashSet<>();

    /**
     * Offsets of {@link #heldAtSubscribe} acknowledged since. The reader may have read them before
     * the acknowledgement and hand them over after it, when they no longer look held, so they are
     * dropped when they arrive.
     */
    private final Set<Long> acknowledgedSinceSubscribe = new HashSet<>();

    private long heldBytes;

    /**
     * The size the next events read are expected to have: the largest recent size, decaying by
     * an eighth with each smaller event. Requests are sized by it, so that reading seldom stops
     * at the byte limit (see {@link #stopAtOverflow}).
     */
    private long expectedEventBytes = INITIAL_EXPECTED_EVENT_BYTES;

    /**
     * Whether reading stopped at an event that arrived with the byte limit reached. That event
     * and the ones after it stay in the spool until a rewind, once the held bytes are under the
     * limit again.
     */
    private boolean overflowed;

    /** Dead-letter ids being replayed. */
    private final Set<Long> replaying = new HashSet<>();

    private final PendingBatches batches;

    private final List<RetryGroup> groups = new ArrayList<>();

    private final DeviceOrder order = new DeviceOrder();

    private final RetryPlanner planner;

    /** The groups with a delivery in flight, with the subscription that delivers it. */
    private final Map<RetryGroup, Disposable> inFlight = new HashMap<>();

    /**
     * The events that left a full heap while their group waited, by offset, each with the group
     * that keeps its retry budget. Read again, an event rejoins that group, so the attempts and
     * the first attempt count on. At most {@code PARKED_PER_HELD_EVENT} times
     * {@code maxHeldEvents}; past that, waiting groups stay on the heap.
     */
    private final Map<Long, RetryGroup> parked = new HashMap<>();

    /** The groups of parked events, with how many of their events are parked. */
    private final Map<RetryGroup, Integer> parkedPerGroup = new HashMap<>();

    /** The ordering keys of parked events, with how many of their events are parked. */
    private final Map<String, Integer> parkedPerKey = new HashMap<>();

    /** Scheduler time of the latest delivery the destination took events from. */
    private long lastDeliveredAt = Long.MIN_VALUE / 2;

    /**
     * Scheduler time of the latest delivery that did not fail as a whole: the destination took,
     * rejected or throttled events, or found the batch too large.
     */
    private long lastRespondedAt = Long.MIN_VALUE / 2;

    /** Scheduler time at which the latest delivery that failed as a whole settled. */
    private long lastWholeFailureAt = Long.MIN_VALUE / 2;

    /** The delivery in flight that went out while the destination looked down (see {@link #looksDown}). */
    private @Nullable RetryGroup probe;

    /** Probes that failed as a whole without splitting their group, since a delivery last did not fail as a whole. */
    private int failedProbes;

    /** Scheduler time from which the next probe may go out; a failed probe pushes it back by a backoff. */
    private long nextProbeAt = Long.MIN_VALUE / 2;

    /**
     * Early probes that failed as a whole, since an early delivery last did not. Deliveries of
     * other events leave the count as it is, because they succeed between early probes when only
     * a few devices fail, and starting the early backoff again after each would multiply them.
     */
    private int failedEarlyProbes;

    /**
     * Scheduler time from which the next retry may go out as a probe, due or early: a failed early
     * probe pushes it back by a backoff. New events do not wait for it, so that failing groups
     * sent early do not hold back the probes of new events.
     */
    private long nextRetryProbeAt = Long.MIN_VALUE / 2;

    /**
     * Scheduler time before which no group goes out early: the first backoff, or a longer
     * {@code Retry-After}, after the latest delivery that failed as a whole.
     */
    private long earlyProbeAt = Long.MIN_VALUE / 2;

    private boolean rewindRequested;

    private long lastRewind = Long.MIN_VALUE / 2;

    private @Nullable Disposable wakeUp;

    /** Failed deliveries since the last one that delivered events, for the log. */
    private int failuresSinceSuccess;

    /** Whether the current run of failures logged its WARN, so its end logs at INFO. */
    private boolean failureWarned;

    private long lastFailureWarning = Long.MIN_VALUE / 2;

    /** The minimum time between two WARN lines about failed deliveries. */
    private final long failureWarningIntervalMillis;

    /** The maximum step of the backoff between two failed probes. */
    private final Duration maxProbeInterval;

    /**
     * Limits the ERROR about spent retry budgets to one per interval, reporting the events since
     * the previous one, so that an outage with a small budget does not log one per group.
     */
    private final DeadLetterLog exhaustedLog;

    /** Limits the WARN about dead-lettered events in the same way, per reason. */
    private final Map<String, DeadLetterLog> deadLetterLogs = new HashMap<>();

    /** Written on the dispatcher's thread, read by health checks on any. */
    private volatile DestinationStatus status = DestinationStatus.DELIVERING;

    private long wakeUpAt = Long.MAX_VALUE;

    DestinationDispatcher(Destination destination, BatchPolicy batchPolicy, RetryPolicy retryPolicy,
            Duration deliveryTimeout, Spool spool, DeadLetterStore deadLetters, PipelineMetrics metrics,
            int maxHeldEvents, long maxHeldBytes, int maxInFlight, Duration maxProbeInterval,
            Duration failureWarningInterval) {
        this.destination = destination;
        this.batchPolicy = batchPolicy;
        this.retryPolicy = retryPolicy;
        this.deliveryTimeout = deliveryTimeout;
        this.spool = spool;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.maxHeldEvents = maxHeldEvents;
        this.maxHeldBytes = maxHeldBytes;
        this.maxInFlight = destination.acceptsConcurrentDeliveries() ? maxInFlight : 1;
        this.maxProbeInterval = maxProbeInterval;
        this.failureWarningIntervalMillis = failureWarningInterval.toMillis();
        this.exhaustedLog = new DeadLetterLog(this.failureWarningIntervalMillis, (events, detail) -> logger.error(
                "Retry budget exhausted, dead-lettering events: destination_id={} events={} latest_detail={}",
                id(), events, detail));
        this.batches = new PendingBatches(batchPolicy);
        this.planner = new RetryPlanner(retryPolicy);
        this.scheduler = Schedulers.newSingle("dispatch-" + destination.id());
        this.worker = this.scheduler.createWorker();
    }

    DestinationId id() {
        return this.destination.id();
    }

    DestinationStatus status() {
        return this.status;
    }

    /** Starts reading the spool; disposing the result stops the dispatcher and leaves unsettled events in the spool. */
    Disposable start() {
        post(() -> {
            this.running = true;
            subscribe();
        });
        return this::stop;
    }

    /**
     * Stops the dispatcher on its thread and waits for it, so that the dead-letter log lines it
     * flushes come before the pipeline reports that it stopped.
     */
    private void stop() {
        CountDownLatch stopped = new CountDownLatch(1);
        boolean posted = post(() -> {
            try {
                this.running = false;
                if (this.reader != null) {
                    this.reader.cancel();
                }
                this.inFlight.values().forEach(Disposable::dispose);
                dispose(this.wakeUp);
                this.exhaustedLog.flush(now());
                this.deadLetterLogs.values().forEach((log) -> log.flush(now()));
                this.scheduler.dispose();
            }
            finally {
                stopped.countDown();
            }
        });
        try {
            if (posted && !stopped.await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                logger.warn("Dispatcher did not stop within {} s: destination_id={}", STOP_TIMEOUT_SECONDS, id());
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Queues dead letters for another delivery. They keep no place in any device's order: they
     * are delivered as soon as possible, beside the live events. Letters already being replayed
     * are left out.
     *
     * @return how many letters were queued
     */
    Mono<Integer> replay(List<StoredDeadLetter> letters) {
        return Mono.create((sink) -> {
            if (!post(() -> queueReplay(letters, sink))) {
                sink.error(new IllegalStateException("The dispatcher of '" + id() + "' is stopped"));
            }
        });
    }

    private void queueReplay(List<StoredDeadLetter> letters, MonoSink<Integer> sink) {
        if (!this.running) {
            sink.error(new IllegalStateException("The dispatcher of '" + id() + "' is not running"));
            return;
        }
        List<PendingEvent> events = new ArrayList<>();
        for (StoredDeadLetter letter : letters) {
            if (this.replaying.add(letter.id())) {
                events.add(PendingEvent.replayed(letter));
            }
        }
        if (!events.isEmpty()) {
            RetryGroup group = new RetryGroup(events, 0, now(), this.batchPolicy.maxEvents());
            group.dueAt = now();
            this.groups.add(group);
            logger.info("Replaying dead letters: destination_id={} letters={} already_replaying={}", id(),
                    events.size(), letters.size() - events.size());
        }
        sink.success(events.size());
    }

    /**
     * Runs {@code task} on the dispatcher's thread, then moves the dispatch along.
     *
     * @return false when the dispatcher stopped and dropped the task; what it carried stays in the spool
     */
    private boolean post(Runnable task) {
        try {
            this.worker.schedule(() -> {
                try {
                    task.run();
                }
                catch (RuntimeException ex) {
                    logger.error("Dispatcher task failed: destination_id={}", id(), ex);
                }
                pump();
            });
            return true;
        }
        catch (RejectedExecutionException ex) {
            logger.debug("Dispatcher stopped, task dropped: destination_id={}", id());
            return false;
        }
    }

    private long now() {
        return this.scheduler.now(TimeUnit.MILLISECONDS);
    }

    // Reading the spool

    private void subscribe() {
        this.generation++;
        this.outstanding = 0;
        this.heldAtSubscribe = new HashSet<>(this.heldOffsets.keySet());
        this.acknowledgedSinceSubscribe.clear();
        this.reader = new SpoolReader(this.generation);
        this.spool.read(id()).subscribe(this.reader);
    }

    private void rewind() {
        this.rewindRequested = false;
        this.lastRewind = now();
        this.order.rewound();
        if (this.reader != null) {
            this.reader.cancel();
        }
        subscribe();
    }

    private void onSpooled(long generation, SpooledEvent spooled) {
        if (generation != this.generation) {
            return;
        }
        this.outstanding--;
        int bytes = spooled.event().encodedSize();
        this.expectedEventBytes = Math.max(bytes, this.expectedEventBytes - this.expectedEventBytes / 8);
        if (!this.heldAtSubscribe.isEmpty() && this.heldAtSubscribe.remove(spooled.offset())
                && this.acknowledgedSinceSubscribe.remove(spooled.offset())) {
            return;
        }
        if (this.heldOffsets.containsKey(spooled.offset())) {
            return;
        }
        String key = PendingEvent.orderingKey(spooled.event());
        RetryGroup group = this.parked.get(spooled.offset());
        // A parked event's group may already contain the key's earlier parked events.
        if (key != null && this.order.isBlocked(key) && (group == null || !this.order.isBlockedOnlyBy(key, group))) {
            this.order.skip(key);
            return;
        }
        if (this.heldBytes >= this.maxHeldBytes) {
            stopAtOverflow();
            return;
        }
        this.heldOffsets.put(spooled.offset(), bytes);
        this.heldBytes += bytes;
        if (group != null) {
            rejoin(group, PendingEvent.spooled(spooled));
        }
        else {
            this.batches.add(PendingEvent.spooled(spooled), now());
        }
    }

    /**
     * Puts a parked event read again back into the group that keeps its retry budget. Its devices
     * were parked until the group was due, so it goes out once all its parked events are back,
     * or a rewind interval after the first, should reading stop before the last. Events come back
     * in spool order, so each device's events join the group in their order.
     */
    private void rejoin(RetryGroup group, PendingEvent event) {
        this.parked.remove(event.offset);
        countDown(this.parkedPerKey, Objects.requireNonNull(event.key));
        long now = now();
        if (!this.groups.contains(group)) {
            group.dueAt = now + REWIND_INTERVAL_MILLIS;
            this.groups.add(group);
        }
        if (countDown(this.parkedPerGroup, group)) {
            group.dueAt = Math.min(group.dueAt, now);
        }
        group.events.add(event);
        purge(this.order.bind(List.of(group)));
    }

    /** Lowers the count of {@code key} by one, removing the key at zero, and returns whether the key is gone. */
    private static <K> boolean countDown(Map<K, Integer> counts, K key) {
        return counts.computeIfPresent(key, (unused, count) -> (count > 1) ? count - 1 : null) == null;
    }

    /**
     * Stops reading at an event that arrives with the byte limit reached, so that the events
     * requested before large ones arrived pass the limit by one event at most. The reader is
     * dropped with the events it still delivers. The rewind that {@link #pump} starts once the
     * held bytes are under the limit reads them again in spool order, so every device keeps its order.
     */
    private void stopAtOverflow() {
        this.overflowed = true;
        this.generation++;
        if (this.reader != null) {
            this.reader.cancel();
        }
        logger.debug("Reading stopped at the heap's byte limit: destination_id={} held_bytes={}", id(),
                this.heldBytes);
    }

    private void release(long offset) {
        Integer bytes = this.heldOffsets.remove(offset);
        if (bytes != null) {
            this.heldBytes -= bytes;
        }
    }

    /**
     * Requests as many events as fit the room left under both limits, counting the outstanding
     * ones at the expected size, and at least one while there is room. An event that arrives
     * with the limit reached stops the reading (see {@link #stopAtOverflow}), so one event at
     * most passes the byte limit. That one lets other devices go on while a failing device's
     * events take nearly all of it.
     */
    private void requestMore() {
        long room = this.maxHeldBytes - this.heldBytes;
        long byBytes = Math.max(1, room / this.expectedEventBytes) - this.outstanding;
        long requested = (this.overflowed || room <= 0) ? 0
                : Math.min(Math.min(REQUEST_CHUNK - this.outstanding,
                        this.maxHeldEvents - this.heldOffsets.size() - this.outstanding), byBytes);
        if (requested > 0 && this.reader != null && this.reader.subscribed) {
            this.outstanding += requested;
            this.reader.request(requested);
        }
    }

    /** Drops the held events of newly blocked keys; they stay in the spool and come back on a rewind. */
    private void purge(Set<String> keys) {
        List<PendingEvent> removed = this.batches.removeKeys(keys);
        removed.addAll(this.order.removeWaiting(keys));
        for (PendingEvent event : removed) {
            release(event.offset);
            this.order.skip(Objects.requireNonNull(event.key));
        }
    }

    // Delivering

    /** Moves the dispatch along: rewinds, reads, and starts deliveries while fewer than the limit are in flight. */
    private void pump() {
        if (!this.running) {
            return;
        }
        long now = now();
        if (this.order.releaseParked(now)) {
            this.rewindRequested = true;
            refreshRetrying();
        }
        if (this.rewindRequested && now - this.lastRewind >= REWIND_INTERVAL_MILLIS) {
            rewind();
        }
        while (this.inFlight.size() < this.maxInFlight) {
            RetryGroup next = nextGroup(now);
            if (next == null) {
                break;
            }
            send(next, now);
        }
        if (isFull()) {
            parkWaitingGroups(now);
        }
        // Reading that stopped at the byte limit starts again from the oldest unacknowledged event
        // once the held bytes are under the limit. The wake-up below runs the rewind.
        if (this.overflowed && this.heldBytes < this.maxHeldBytes) {
            this.overflowed = false;
            this.rewindRequested = true;
        }
        requestMore();
        scheduleWakeUp(now);
    }

    /**
     * Drops from a full heap the events of groups that wait for a throttle's pause, or for a retry
     * while the destination takes other events, so that a few throttled or failing devices do not
     * stop everyone else. Their events stay in the spool, their devices stay blocked until the
     * group is due, and they are read again in order then. Each keeps the group's retry budget
     * (see {@link #parked}). Events without an ordering key stay on the heap.
     *
     * <p>A group whose events failed every delivery since its first stays: the destination may
     * be down for everyone, and reading further would only send it more events to fail.
     */
    private void parkWaitingGroups(long now) {
        int count = 0;
        for (RetryGroup group : List.copyOf(this.groups)) {
            if (this.inFlight.containsKey(group) || group.dueAt - now < MIN_PARKED_WAIT_MILLIS
                    || (!group.throttled && this.lastDeliveredAt <= group.firstAttempt)) {
                continue;
            }
            List<PendingEvent> keyed = group.events.stream().filter((event) -> event.key != null).toList();
            if (keyed.isEmpty()
                    || this.parked.size() + keyed.size() > (long) PARKED_PER_HELD_EVENT * this.maxHeldEvents) {
                continue;
            }
            RetryGroup budget = group.splitOff(List.of());
            budget.dueAt = group.dueAt;
            budget.throttled = group.throttled;
            for (PendingEvent event : keyed) {
                String key = Objects.requireNonNull(event.key);
                this.order.park(key, group, group.dueAt);
                release(event.offset);
                this.parked.put(event.offset, budget);
                this.parkedPerKey.merge(key, 1, Integer::sum);
            }
            this.parkedPerGroup.put(budget, keyed.size());
            group.events.removeAll(keyed);
            count += keyed.size();
            if (group.events.isEmpty()) {
                this.groups.remove(group);
            }
        }
        if (count > 0) {
            logger.debug("Waiting events left the heap: destination_id={} events={}", id(), count);
            refreshRetrying();
        }
    }

    /**
     * Picks what to deliver next: a retry that is due, then events that waited for their device's
     * earlier delivery, then the oldest batch. Events of a batch whose device has a delivery in
     * flight wait for it, so a device's events are in at most one delivery at a time. While the
     * destination looks down, one delivery at a time goes out as a probe, new events before
     * retries, spaced as {@link #probeFailed} says.
     */
    private @Nullable RetryGroup nextGroup(long now) {
        if (!looksDown()) {
            RetryGroup due = RetryPlanner.dueLongest(this.groups, now, this.inFlight::containsKey);
            return (due != null) ? due : newGroup(now);
        }
        if (this.probe != null || now < this.nextProbeAt) {
            return null;
        }
        RetryGroup next = newGroup(now);
        if (next == null && now >= this.nextRetryProbeAt) {
            next = RetryPlanner.pickProbe(this.groups, now, this.inFlight::containsKey);
        }
        if (next == null && now >= this.nextRetryProbeAt && now >= this.earlyProbeAt && this.batches.isEmpty()) {
            // Groups not yet due may wait up to the longest backoff. One sent early spends no
            // attempt when it fails, so the end of an outage shows within a probe interval without
            // using up the retry budgets. Early probes go only while no new events wait, and their
            // failures hold back only retries, so failing groups sent early never delay new events.
            next = RetryPlanner.pickEarly(this.groups, now, this.inFlight::containsKey);
            if (next != null) {
                next.keptDueAt = next.dueAt;
            }
        }
        if (next != null) {
            this.probe = next;
            logger.debug("The destination looks down, so one delivery at a time goes out: destination_id={} "
                    + "events={} attempt={} early={} failed_probes={}", id(), next.events.size(), next.attempts + 1,
                    next.keptDueAt != RetryGroup.NOT_EARLY, this.failedProbes);
        }
        return next;
    }

    /** Starts a group of the events that waited for their device's delivery, or of the oldest batch. */
    private @Nullable RetryGroup newGroup(long now) {
        List<PendingEvent> events = this.order.takeReady(this.batchPolicy);
        if (events.isEmpty()) {
            events = pollBatch(now);
        }
        if (events == null) {
            return null;
        }
        RetryGroup group = new RetryGroup(events, 0, now, this.batchPolicy.maxEvents());
        this.order.claim(group);
        this.groups.add(group);
        return group;
    }

    /**
     * Returns whether the destination looks down for everyone: the latest delivery to settle failed
     * as a whole, and {@link RetryPlanner#MAX_GROUPS_SPLIT_ALONE} or more groups wait to retry a
     * failure. Each group would otherwise retry on its own backoff,
     * and each new batch would become one more group, so an outage would multiply the requests.
     */
    private boolean looksDown() {
        return this.lastRespondedAt < this.lastWholeFailureAt
                && otherFailingGroups(null) >= RetryPlanner.MAX_GROUPS_SPLIT_ALONE;
    }

    /**
     * Takes the oldest batch that still has events once those of devices in flight are set aside.
     * At the heap's limits no event is read until some leave, so open batches go out at once
     * instead of waiting their batch's maximum wait for events that cannot come.
     */
    private @Nullable List<PendingEvent> pollBatch(long now) {
        boolean full = isFull();
        List<PendingEvent> batch = this.batches.poll(now, full);
        while (batch != null) {
            batch.removeIf(this.order::waitIfClaimed);
            if (!batch.isEmpty()) {
                return batch;
            }
            batch = this.batches.poll(now, full);
        }
        return null;
    }

    /** Returns whether the heap is at either limit, or reading stopped at the byte limit. */
    private boolean isFull() {
        return this.heldOffsets.size() >= this.maxHeldEvents || this.heldBytes >= this.maxHeldBytes || this.overflowed;
    }

    private void send(RetryGroup group, long now) {
        List<PendingEvent> chunk = List.copyOf(group.events.subList(0, chunkSize(group)));
        RequestContext context = chunk.get(0).event.context();
        Delivery delivery = new Delivery(context, chunk.stream().map((event) -> event.event).toList(),
                group.attempts + 1);
        group.lastAttempt = now;
        long started = System.nanoTime();
        // A destination that answers at once still settles on a later task, after the put.
        Disposable subscription = Mono.defer(() -> this.destination.deliver(delivery))
                .timeout(this.deliveryTimeout)
                .map((result) -> new Answer(result, null))
                .onErrorResume((error) -> Mono.just(new Answer(null, describe(error))))
                .defaultIfEmpty(new Answer(null, "the destination completed without a result"))
                .subscribe((answer) -> post(() -> settle(group, chunk, answer, System.nanoTime() - started)));
        this.inFlight.put(group, subscription);
    }

    /** Describes a failed delivery for the log and the destination's status, in plain words for timeouts. */
    private String describe(Throwable error) {
        if (error instanceof TimeoutException) {
            return "timed out: no result within " + this.deliveryTimeout.toMillis() + " ms";
        }
        if (error instanceof ReadTimeoutException) {
            return "timed out: the destination sent no response within its timeout";
        }
        return error.toString();
    }

    /** Returns the longest head of the group that shares one context and fits the batch limits. */
    private int chunkSize(RetryGroup group) {
        int limit = Math.min(group.maxChunk, this.batchPolicy.maxEvents());
        RequestContext context = group.events.get(0).event.context();
        long bytes = 0;
        int size = 0;
        for (PendingEvent event : group.events) {
            if (size == limit || !event.event.context().equals(context)
                    || (size > 0 && bytes + event.bytes > this.batchPolicy.maxBytes())) {
                break;
            }
            bytes += event.bytes;
            size++;
        }
        return size;
    }

    // Settling

    private void settle(RetryGroup group, List<PendingEvent> chunk, Answer answer, long elapsedNanos) {
        if (this.inFlight.remove(group) == null) {
            return;
        }
        long now = now();
        ChunkOutcomes outcomes = ChunkOutcomes.sort(chunk, answer);
        this.metrics.deliveryLatency(id(), outcomes.label(), Duration.ofNanos(elapsedNanos));
        long keptDueAt = group.keptDueAt;
        group.keptDueAt = RetryGroup.NOT_EARLY;
        boolean lookedDown = looksDown();
        long deliveredBefore = this.lastDeliveredAt;
        Set<String> keysBefore = keysOf(group.events);
        Set<PendingEvent> settled = new HashSet<>(outcomes.delivered);
        settled.addAll(outcomes.rejected.keySet());
        group.events.removeIf(settled::contains);
        acknowledgeDelivered(outcomes.delivered);
        if (!outcomes.delivered.isEmpty()) {
            this.lastDeliveredAt = now;
        }
        boolean failedWhole = outcomes.failedWhole();
        if (failedWhole) {
            this.lastWholeFailureAt = now;
            this.earlyProbeAt = Math.max(this.earlyProbeAt, now + Math.max(outcomes.retryDelay.toMillis(),
                    Math.min(this.retryPolicy.initialBackoff().toMillis(), this.maxProbeInterval.toMillis())));
        }
        else {
            this.lastRespondedAt = now;
            this.failedProbes = 0;
            this.nextProbeAt = Long.MIN_VALUE / 2;
            if (keptDueAt != RetryGroup.NOT_EARLY) {
                this.failedEarlyProbes = 0;
                this.nextRetryProbeAt = Long.MIN_VALUE / 2;
            }
        }
        boolean probed = group == this.probe;
        if (probed) {
            this.probe = null;
        }
        deadLetter(group, outcomes.rejected, group.attempts + 1, now);

        List<RetryGroup> remaining = List.of();
        if (!group.events.isEmpty() && keptDueAt != RetryGroup.NOT_EARLY && failedWhole) {
            // The group went before it was due, so the failure spends no attempt and the due time stays.
            group.dueAt = Math.max(keptDueAt, now + this.retryPolicy.backoff(2, outcomes.retryDelay).toMillis());
            remaining = List.of(group);
            if (probed) {
                this.failedEarlyProbes++;
                this.nextRetryProbeAt = now + this.retryPolicy.backoff(this.failedEarlyProbes + 1,
                        outcomes.retryDelay, this.maxProbeInterval).toMillis();
            }
        }
        else if (!group.events.isEmpty()) {
            group.recalled = false;
            RetryPlanner.Plan plan = this.planner.plan(group, chunk, outcomes, now, this.lastDeliveredAt,
                    otherFailingGroups(group), probed);
            plan.exhausted.forEach((exhausted, events) -> {
                logger.debug("Retry budget exhausted, dead-lettering events: destination_id={} events={} attempts={}",
                        id(), events.size(), exhausted.attempts);
                logLimited(this.exhaustedLog, events.size(),
                        events.values().stream().findFirst().map(Rejection::detail).orElse(""));
                deadLetter(exhausted, events, exhausted.attempts, now);
            });
            remaining = plan.remaining;
            if (plan.halved) {
                logger.debug("A batch failed as a whole again, so its devices go on in two halves: "
                        + "destination_id={} events={}", id(), chunk.size());
            }
            if (probed && failedWhole) {
                probeFailed(plan, outcomes, now);
            }
        }
        this.groups.remove(group);
        this.groups.addAll(remaining);
        refreshRetrying();
        countRetried(chunk, remaining);
        if (outcomes.tooLarge) {
            logger.debug("The destination found a batch too large, so it goes again in halves: destination_id={} "
                    + "events={}", id(), chunk.size());
        }
        if (!outcomes.throttled.isEmpty()) {
            logger.debug("The destination throttled events, which pause: destination_id={} events={} pause_ms={}",
                    id(), outcomes.throttled.size(), outcomes.pause.toMillis());
        }
        if (remaining.contains(group) && outcomes.retried > outcomes.resent) {
            logRetry(group, outcomes);
        }
        else if (outcomes.retried > outcomes.resent) {
            // The failure spent the group's budget; its dead letters were logged above.
            countFailure(outcomes);
        }
        else if (remaining.contains(group) && outcomes.retried > 0) {
            logger.debug("Resending the events of a batch the destination rejected for other events in it: "
                    + "destination_id={} events={}", id(), outcomes.resent);
        }
        else if ((!outcomes.delivered.isEmpty() || !outcomes.rejected.isEmpty()) && this.failuresSinceSuccess > 0) {
            // A rejection for good ends the run too, because the destination responds. Its events become dead letters.
            if (this.failureWarned && outcomes.delivered.isEmpty()) {
                logger.info("The destination responds again but rejected this batch: destination_id={} "
                        + "failed_deliveries={} events_rejected={} events_still_retrying={}", id(),
                        this.failuresSinceSuccess, outcomes.rejected.size(), this.status.retryingEvents());
            }
            else if (this.failureWarned) {
                logger.info("Deliveries succeed again: destination_id={} failed_deliveries={} events_still_retrying={}",
                        id(), this.failuresSinceSuccess, this.status.retryingEvents());
            }
            this.failureWarned = false;
            this.failuresSinceSuccess = 0;
            this.status = this.status.succeeded();
        }
        rebindKeys(group, keysBefore, remaining);
        if (lookedDown && !outcomes.delivered.isEmpty() && now - deliveredBefore >= this.maxProbeInterval.toMillis()) {
            sendWaitingEarly(now);
        }
    }

    /**
     * Makes every group that waits for a retry after a failure due at once, as an early delivery
     * that spends no attempt if it fails as a whole. The dispatcher calls it when the destination
     * takes events again after taking none for at least a probe interval while it looked down.
     * Otherwise the groups that failed meanwhile may wait up to the longest backoff after the
     * outage ended. Sparse traffic among failing devices looks the same, so a group made due this
     * way waits for its own retry before it is again.
     */
    private void sendWaitingEarly(long now) {
        int count = 0;
        for (RetryGroup group : this.groups) {
            if (group.attempts > 0 && !group.throttled && !group.recalled && group.dueAt > now
                    && !this.inFlight.containsKey(group)) {
                group.recalled = true;
                group.keptDueAt = group.dueAt;
                group.dueAt = now;
                count++;
            }
        }
        if (count > 0) {
            logger.debug("The destination takes events again, so waiting retries go now: destination_id={} "
                    + "groups_made_due={}", id(), count);
        }
    }

    /**
     * Spaces the next probe after one that failed as a whole. A failed probe that split its group
     * may have failed for one of its devices rather than for an outage. So its halves are due at
     * once and the next probe waits only the first backoff, which finds the failing devices in a
     * few probes. After any other failed probe the wait grows as a group's backoff does, which
     * bounds the requests of an outage, up to {@code maxProbeInterval}, so that a long outage does
     * not delay its recovery by minutes.
     */
    private void probeFailed(RetryPlanner.Plan plan, ChunkOutcomes outcomes, long now) {
        if (plan.halved) {
            plan.remaining.forEach((half) -> half.dueAt = Math.min(half.dueAt, now));
            this.nextProbeAt = now + this.retryPolicy.backoff(2, outcomes.retryDelay).toMillis();
            return;
        }
        this.failedProbes++;
        this.nextProbeAt = now + this.retryPolicy.backoff(this.failedProbes + 1, outcomes.retryDelay,
                this.maxProbeInterval).toMillis();
    }

    /**
     * Points each key at the group that now holds it, releases the keys no group holds, and ends
     * the group's claims, so that its devices' waiting events may go out.
     */
    private void rebindKeys(RetryGroup group, Set<String> keysBefore, List<RetryGroup> remaining) {
        purge(this.order.bind(remaining));
        if (this.order.release(group, keysBefore)) {
            this.rewindRequested = true;
        }
        this.order.unclaim(group);
    }

    /**
     * Acknowledges delivered events. A replayed letter counts as being replayed until the store
     * has removed it, so that a replay listing it meanwhile does not deliver it again.
     */
    private void acknowledgeDelivered(List<PendingEvent> delivered) {
        List<Long> replayed = new ArrayList<>();
        for (PendingEvent event : delivered) {
            if (event.isReplay()) {
                replayed.add(event.deadLetterId);
            }
            else {
                acknowledge(event);
            }
        }
        countBySource(delivered, (source, count) -> this.metrics.delivered(source, id(), count));
        if (!replayed.isEmpty()) {
            this.deadLetters.remove(replayed)
                    .doFinally((signal) -> post(() -> replayed.forEach(this.replaying::remove)))
                    .subscribe(null, (error) -> logger.warn("Replayed dead letters were delivered but stay in "
                            + "the store: destination_id={} letters={} error={}", id(), replayed.size(),
                            error.toString()));
        }
    }

    private void acknowledge(PendingEvent event) {
        if (event.isReplay()) {
            this.replaying.remove(event.deadLetterId);
        }
        else {
            this.spool.acknowledge(id(), event.offset);
            release(event.offset);
            if (!this.heldAtSubscribe.isEmpty() && this.heldAtSubscribe.contains(event.offset)) {
                this.acknowledgedSinceSubscribe.add(event.offset);
            }
        }
    }

    /** Logs through {@code log} and schedules the line for the events it leaves out until its interval ends. */
    private void logLimited(DeadLetterLog log, int events, String detail) {
        long delay = log.record(events, detail, now());
        if (delay >= 0) {
            try {
                this.worker.schedule(() -> log.flush(now()), delay, TimeUnit.MILLISECONDS);
            }
            catch (RejectedExecutionException ex) {
                log.flush(now());
            }
        }
    }

    /** Stores dead letters, and acknowledges the events only once the store has them. */
    private void deadLetter(RetryGroup group, Map<PendingEvent, Rejection> rejected, int attempts, long now) {
        if (rejected.isEmpty()) {
            return;
        }
        List<PendingEvent> events = new ArrayList<>(rejected.keySet());
        List<DeadLetter> letters = events.stream()
                .map((event) -> letter(event, rejected.get(event), attempts, instant(group.firstAttempt), now))
                .toList();
        Map<String, List<DeadLetter>> byReason = new LinkedHashMap<>();
        letters.forEach((letter) -> byReason.computeIfAbsent(letter.reason(), (reason) -> new ArrayList<>()).add(letter));
        byReason.forEach((reason, same) -> {
            logger.debug("Dead-lettering events: destination_id={} events={} reason={} first_detail={}", id(),
                    same.size(), reason, same.get(0).detail());
            DeadLetterLog log = this.deadLetterLogs.computeIfAbsent(reason, (key) -> new DeadLetterLog(
                    this.failureWarningIntervalMillis, (count, detail) -> logger.warn("Dead-lettering events: "
                            + "destination_id={} events={} reason={} latest_detail={}", id(), count, key, detail)));
            logLimited(log, same.size(), same.get(0).detail());
        });
        this.deadLetters.add(letters)
                .then(Mono.defer(() -> removeReplayedLetters(events)))
                .subscribe(null, (error) -> post(() -> deadLetterFailed(events, error)),
                        () -> post(() -> deadLettered(events, letters)));
    }

    /** Builds a dead letter; a replayed event's letter keeps the attempts and first attempt of the one it came from. */
    private DeadLetter letter(PendingEvent event, Rejection rejection, int attempts, Instant firstAttempt, long now) {
        DeadLetter earlier = event.replayedLetter;
        if (earlier == null) {
            return new DeadLetter(id(), event.source, event.event, rejection.reason(), rejection.detail(), attempts,
                    firstAttempt, instant(now));
        }
        Instant first = earlier.firstAttempt().isBefore(firstAttempt) ? earlier.firstAttempt() : firstAttempt;
        return new DeadLetter(id(), event.source, event.event, rejection.reason(), rejection.detail(),
                earlier.attempts() + attempts, first, instant(now));
    }

    private Mono<Void> removeReplayedLetters(List<PendingEvent> events) {
        List<Long> ids = events.stream().filter(PendingEvent::isReplay).map((event) -> event.deadLetterId).toList();
        return ids.isEmpty() ? Mono.empty() : this.deadLetters.remove(ids);
    }

    private void deadLettered(List<PendingEvent> events, List<DeadLetter> letters) {
        events.forEach(this::acknowledge);
        for (int i = 0; i < events.size(); i++) {
            this.metrics.deadLettered(events.get(i).source, id(), letters.get(i).reason(), 1);
        }
    }

    private void deadLetterFailed(List<PendingEvent> events, Throwable error) {
        logger.error("Cannot store dead letters; the events stay in the spool and are delivered again: "
                + "destination_id={} events={} error={}", id(), events.size(), error.toString());
        for (PendingEvent event : events) {
            if (event.isReplay()) {
                this.replaying.remove(event.deadLetterId);
            }
            else {
                release(event.offset);
            }
        }
        this.rewindRequested = true;
    }

    /** Counts the groups other than {@code group}, on the heap or parked, that wait to retry a failure. */
    private int otherFailingGroups(@Nullable RetryGroup group) {
        Set<RetryGroup> failing = new HashSet<>(this.parkedPerGroup.keySet());
        this.groups.stream().filter((other) -> other.attempts > 0).forEach(failing::add);
        failing.removeIf((other) -> other == group || other.throttled);
        return failing.size();
    }

    /** Counts a failed delivery in the current run of failures and in the destination's status. */
    private void countFailure(ChunkOutcomes outcomes) {
        this.failuresSinceSuccess++;
        this.status = this.status.failedAgain(instant(now()), outcomes.failure);
    }

    /**
     * Logs a failed delivery. A run of failures between two successes logs a WARN when it starts
     * and then at most one a minute, with the run's length and the backlog. A destination that is
     * down thus neither logs one line per batch nor goes quiet for hours. WARNs are at least a
     * minute apart across runs too, for a device that keeps failing among others that succeed.
     * The success after a WARN logs at INFO.
     */
    private void logRetry(RetryGroup group, ChunkOutcomes outcomes) {
        countFailure(outcomes);
        long now = now();
        if (now - this.lastFailureWarning >= this.failureWarningIntervalMillis) {
            this.lastFailureWarning = now;
            if (this.failureWarned) {
                logger.warn("Deliveries still failing: destination_id={} failing_since={} failed_deliveries={} "
                        + "backlog={} failure={}", id(), this.status.failingSince(), this.status.failedDeliveries(),
                        this.spool.backlog(id()), outcomes.failure);
            }
            else {
                this.failureWarned = true;
                logger.warn("Delivery failed, will retry; further failures log at DEBUG, with a WARN each minute, "
                        + "until the destination accepts or rejects a batch: destination_id={} events={} failure={}",
                        id(), outcomes.retried, outcomes.failure);
            }
        }
        else if (group.attempts == 1) {
            logger.debug("Delivery failed, will retry: destination_id={} events={} failure={}", id(),
                    outcomes.retried, outcomes.failure);
        }
        else {
            logger.debug("Retry scheduled: destination_id={} events={} attempt={} due_in_ms={} failure={}", id(),
                    group.events.size(), group.attempts + 1, Math.max(0, group.dueAt - now()), outcomes.failure);
        }
    }

    /** Records in the status how many events wait for another delivery, and since when. */
    private void refreshRetrying() {
        int events = this.parked.size();
        long since = Long.MAX_VALUE;
        for (RetryGroup group : this.parkedPerGroup.keySet()) {
            since = Math.min(since, group.firstAttempt);
        }
        for (RetryGroup group : this.groups) {
            if (group.attempts > 0 || group.throttled) {
                events += group.events.size();
                since = Math.min(since, group.firstAttempt);
            }
        }
        this.status = this.status.retrying(events, (events > 0) ? instant(since) : null, this.parkedPerKey.size());
    }

    /** Counts the events of the chunk that wait for another delivery. */
    private void countRetried(List<PendingEvent> chunk, List<RetryGroup> remaining) {
        Set<PendingEvent> waiting = new HashSet<>();
        remaining.forEach((group) -> waiting.addAll(group.events));
        List<PendingEvent> retried = chunk.stream().filter(waiting::contains).toList();
        countBySource(retried, (source, count) -> this.metrics.retried(source, id(), count));
    }

    private static void countBySource(List<PendingEvent> events, ObjIntConsumer<SourceId> counter) {
        Map<SourceId, Integer> counts = new HashMap<>();
        events.forEach((event) -> counts.merge(event.source, 1, Integer::sum));
        counts.forEach(counter::accept);
    }

    private static Set<String> keysOf(Iterable<PendingEvent> events) {
        Set<String> keys = new HashSet<>();
        for (PendingEvent event : events) {
            if (event.key != null) {
                keys.add(event.key);
            }
        }
        return keys;
    }

    // Timers

    private void scheduleWakeUp(long now) {
        long next = nextWakeUp();
        if (next == Long.MAX_VALUE || (this.wakeUp != null && this.wakeUpAt <= next)) {
            return;
        }
        dispose(this.wakeUp);
        this.wakeUpAt = next;
        this.wakeUp = this.worker.schedule(() -> {
            this.wakeUp = null;
            this.wakeUpAt = Long.MAX_VALUE;
            pump();
        }, Math.max(0, next - now), TimeUnit.MILLISECONDS);
    }

    private long nextWakeUp() {
        long next = this.rewindRequested ? this.lastRewind + REWIND_INTERVAL_MILLIS : Long.MAX_VALUE;
        next = Math.min(next, this.order.nextParkedRelease());
        if (this.inFlight.size() >= this.maxInFlight) {
            return next;
        }
        if (looksDown()) {
            // The probe in flight wakes the dispatcher when it settles; the next waits for its backoff.
            if (this.probe != null) {
                return next;
            }
            long now = now();
            if (now < this.nextProbeAt) {
                return Math.min(next, this.nextProbeAt);
            }
            // New events go when their batch closes, retries once a failed early probe's backoff ends.
            long retryAt = Math.max(now, this.nextRetryProbeAt);
            for (RetryGroup group : this.groups) {
                if (!this.inFlight.containsKey(group)) {
                    next = Math.min(next, Math.max(group.dueAt, retryAt));
                }
            }
            boolean early = this.batches.isEmpty()
                    && RetryPlanner.pickEarly(this.groups, now, this.inFlight::containsKey) != null;
            if (early) {
                next = Math.min(next, Math.max(retryAt, this.earlyProbeAt));
            }
            return Math.min(next, this.batches.nextDeadline());
        }
        for (RetryGroup group : this.groups) {
            if (!this.inFlight.containsKey(group)) {
                next = Math.min(next, group.dueAt);
            }
        }
        return Math.min(next, this.batches.nextDeadline());
    }

    private static Instant instant(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis);
    }

    private static void dispose(@Nullable Disposable disposable) {
        if (disposable != null) {
            disposable.dispose();
        }
    }

    /** A destination's result, or the failure that took its place. */
    record Answer(@Nullable DeliveryResult result, @Nullable String failure) {
    }

    /** Subscribes to one generation of the spool's flux and hands its events to the dispatcher's thread. */
    private final class SpoolReader extends BaseSubscriber<SpooledEvent> {

        private final long generation;

        /** Set on the dispatcher's thread once the spool handed over its subscription; requests wait for it. */
        boolean subscribed;

        SpoolReader(long generation) {
            this.generation = generation;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            post(() -> this.subscribed = true);
        }

        @Override
        protected void hookOnNext(SpooledEvent value) {
            post(() -> onSpooled(this.generation, value));
        }

        @Override
        protected void hookOnError(Throwable error) {
            logger.error("Reading the spool failed, reading again: destination_id={}", id(), error);
            post(() -> {
                if (this.generation == DestinationDispatcher.this.generation) {
                    DestinationDispatcher.this.rewindRequested = true;
                }
            });
        }

    }

}
