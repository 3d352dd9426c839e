package io.eventrouter.sdk.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLContext;

import io.eventrouter.core.amplitude.AmplitudeOutcomes;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.RetryAfter;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.log.WarningInterval;
import io.eventrouter.sdk.PublishException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends events over HTTP to an Amplitude-compatible endpoint in batches, and reads the responses
 * with the same codec as the router's Amplitude destination.
 *
 * <p>Design: publishing threads only push onto a lock-free stack and wake the transport's one
 * scheduler thread. That thread owns every other piece of state (the batch buffer, the count of
 * requests in flight, the batch timer and the retries), so none of it needs a lock. A batch is
 * sent when it is full, when its oldest event has waited {@code maxBatchWait}, or on flush, as
 * long as fewer than {@code maxRequestsInFlight} requests await an answer. A thread of the HTTP
 * executor encodes and compresses each batch with a pooled {@link BodyEncoder}, and the answer
 * comes back to the scheduler thread, which settles the events. A 413 splits the batch in halves
 * and lowers the batch size for later batches; failed sends are retried with exponential backoff.
 */
public final class HttpTransport implements Transport {

    private static final Logger logger = LoggerFactory.getLogger(HttpTransport.class);

    private static final AtomicInteger instances = new AtomicInteger();

    private final URI uri;

    private final HttpSettings settings;

    private final AmplitudeOutcomes outcomes;

    private final ExecutorService httpExecutor;

    private final HttpClient client;

    private final ScheduledExecutorService scheduler;

    /**
     * Submissions not yet taken by the scheduler thread, newest first, linked through
     * {@link Submission#next}: a lock-free stack that costs no node per publish. The scheduler
     * takes the whole stack at once and reverses it, which restores the order of each thread's
     * publishes.
     */
    private final AtomicReference<@Nullable Submission> incoming = new AtomicReference<>();

    /** Encoders not lent to a thread right now; at most one per batch being encoded at once. */
    private final ConcurrentLinkedQueue<BodyEncoder> encoders = new ConcurrentLinkedQueue<>();

    /** WARNs about events given up after their last attempt, at most one a minute. */
    private final WarningInterval giveUpWarnings = new WarningInterval(Duration.ofMinutes(1));

    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    private volatile boolean closed;

    // Owned by the scheduler thread from here on.

    private final ArrayDeque<PendingEvent> buffer = new ArrayDeque<>();

    // Identity sets: two batches are never the same batch, and hashing a batch by content would
    // hash every event's fields.
    private final Set<List<PendingEvent>> unanswered = Collections.newSetFromMap(new IdentityHashMap<>());

    private final Set<List<PendingEvent>> awaitingRetry = Collections.newSetFromMap(new IdentityHashMap<>());

    private int batchLimit;

    private boolean flushRequested;

    private @Nullable ScheduledFuture<?> batchTimer;

    public HttpTransport(URI endpoint, HttpSettings settings) {
        this(endpoint, settings, null);
    }

    /** Creates a transport whose connections use {@code sslContext}, or the JVM's default when it is null. */
    public HttpTransport(URI endpoint, HttpSettings settings, @Nullable SSLContext sslContext) {
        String base = Objects.requireNonNull(endpoint, "endpoint").toString();
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        if (base.endsWith("/2/httpapi") || base.endsWith("/batch")) {
            throw new IllegalArgumentException("The endpoint must be the base URL the API paths follow, without "
                    + "/2/httpapi or /batch, but was " + endpoint);
        }
        this.uri = URI.create(base + (settings.batchApi() ? "/batch" : "/2/httpapi"));
        this.settings = settings;
        this.batchLimit = settings.maxBatchEvents();
        this.outcomes = new AmplitudeOutcomes(settings.throttlePause());
        int instance = instances.incrementAndGet();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("eventrouter-sdk-" + instance));
        this.httpExecutor = Executors.newCachedThreadPool(daemonThreads("eventrouter-sdk-http-" + instance));
        HttpClient.Builder client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.requestTimeout())
                .executor(this.httpExecutor);
        if (sslContext != null) {
            client.sslContext(sslContext);
        }
        this.client = client.build();
    }

    @Override
    public void send(Submission submission) {
        if (this.closed) {
            submission.failed(closedException());
            return;
        }
        Submission top;
        do {
            top = this.incoming.get();
            submission.next = top;
        }
        while (!this.incoming.compareAndSet(top, submission));
        if (this.drainScheduled.compareAndSet(false, true)) {
            runOnScheduler(this::drain);
        }
    }

    @Override
    public void flushNow() {
        runOnScheduler(() -> {
            this.flushRequested = true;
            drain();
        });
    }

    private void runOnScheduler(Runnable task) {
        try {
            this.scheduler.execute(() -> guarded(task));
        }
        catch (RejectedExecutionException ex) {
            failIncoming();
        }
    }

    /**
     * Runs a task of the scheduler thread. An executor would swallow its exception and leave the
     * events it held unsettled forever, so a failure fails every event the transport holds.
     */
    private void guarded(Runnable task) {
        try {
            task.run();
        }
        catch (RuntimeException | LinkageError ex) {
            logger.error("HTTP transport failed unexpectedly, failing every event it contains", ex);
            failEverything(new PublishException(PublishException.Reason.REJECTED,
                    "The HTTP transport failed: " + ex, Duration.ZERO, ex));
        }
    }

    private void drain() {
        this.drainScheduled.set(false);
        long now = System.nanoTime();
        Submission submission = takeIncoming();
        while (submission != null) {
            List<Event> events = submission.events();
            for (int i = 0; i < events.size(); i++) {
                this.buffer.add(new PendingEvent(events.get(i), submission, now));
            }
            submission = unlink(submission);
        }
        while (!this.buffer.isEmpty() && this.unanswered.size() < this.settings.maxRequestsInFlight()
                && isBatchDue(now)) {
            send(takeBatch(), 1);
        }
        if (this.buffer.isEmpty()) {
            this.flushRequested = false;
        }
        else if (this.unanswered.size() < this.settings.maxRequestsInFlight()) {
            scheduleBatchTimer(now);
        }
    }

    /** Empties {@link #incoming} and returns its submissions oldest first, linked through {@code next}. */
    private @Nullable Submission takeIncoming() {
        Submission reversed = null;
        Submission submission = this.incoming.getAndSet(null);
        while (submission != null) {
            Submission older = submission.next;
            submission.next = reversed;
            reversed = submission;
            submission = older;
        }
        return reversed;
    }

    /** Returns the submission after {@code submission} and clears the link, so no submission keeps another alive. */
    private static @Nullable Submission unlink(Submission submission) {
        Submission following = submission.next;
        submission.next = null;
        return following;
    }

    private boolean isBatchDue(long now) {
        return this.flushRequested || this.closed || this.buffer.size() >= this.batchLimit
                || now - this.buffer.getFirst().enqueuedNanos() >= this.settings.maxBatchWait().toNanos();
    }

    private void scheduleBatchTimer(long now) {
        if (this.batchTimer != null && !this.batchTimer.isDone()) {
            return;
        }
        long due = this.buffer.getFirst().enqueuedNanos() + this.settings.maxBatchWait().toNanos();
        this.batchTimer = this.scheduler.schedule(() -> guarded(this::drain), Math.max(0, due - now),
                TimeUnit.NANOSECONDS);
    }

    /** Takes the oldest event and the next events with the same request context, up to the batch limit. */
    private List<PendingEvent> takeBatch() {
        RequestContext context = this.buffer.getFirst().event().context();
        List<PendingEvent> batch = new ArrayList<>(Math.min(this.batchLimit, this.buffer.size()));
        Iterator<PendingEvent> events = this.buffer.iterator();
        while (events.hasNext() && batch.size() < this.batchLimit) {
            PendingEvent pending = events.next();
            if (pending.event().context().equals(context)) {
                batch.add(pending);
                events.remove();
            }
        }
        return batch;
    }

    /**
     * Sends a batch: a thread of the HTTP executor encodes and compresses it, so that the
     * scheduler thread only batches and settles, and the answer comes back to the scheduler.
     */
    private void send(List<PendingEvent> batch, int attempt) {
        this.unanswered.add(batch);
        CompletableFuture.supplyAsync(() -> request(batch), this.httpExecutor)
                .thenCompose((request) -> this.client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()))
                .whenCompleteAsync((response, error) -> guarded(() -> answered(batch, attempt, response, error)),
                        this.scheduler);
    }

    private HttpRequest request(List<PendingEvent> batch) {
        byte[] body = encode(batch);
        HttpRequest.Builder request = HttpRequest.newBuilder(this.uri)
                .timeout(this.settings.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json");
        if (this.settings.compression()) {
            request.header("Content-Encoding", "gzip");
        }
        return request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private byte[] encode(List<PendingEvent> batch) {
        BodyEncoder encoder = this.encoders.poll();
        encoder = (encoder != null) ? encoder : new BodyEncoder();
        try {
            return encoder.encode(batch.get(0).event().context(), events(batch), this.settings.compression(),
                    this.settings.maxBodyBytes());
        }
        catch (BodyEncoder.BodyTooLargeException ex) {
            throw ex;
        }
        catch (RuntimeException ex) {
            throw new EncodingFailure(ex);
        }
        finally {
            this.encoders.add(encoder);
        }
    }

    private static List<Event> events(List<PendingEvent> batch) {
        List<Event> events = new ArrayList<>(batch.size());
        batch.forEach((pending) -> events.add(pending.event()));
        return events;
    }

    private void answered(List<PendingEvent> batch, int attempt, @Nullable HttpResponse<byte[]> response,
            @Nullable Throwable error) {
        if (!this.unanswered.remove(batch)) {
            return;
        }
        Throwable cause = (error instanceof CompletionException) ? error.getCause() : error;
        if (response != null) {
            read(batch, attempt, response);
        }
        else if (cause instanceof BodyEncoder.BodyTooLargeException) {
            split(batch, attempt);
        }
        else if (cause instanceof EncodingFailure failure) {
            fail(batch, new PublishException(PublishException.Reason.REJECTED,
                    "The events could not be encoded: " + failure.getCause(), Duration.ZERO, failure.getCause()));
        }
        else {
            retry(batch, attempt, Duration.ZERO, String.valueOf(cause));
        }
        drain();
    }

    private void read(List<PendingEvent> batch, int attempt, HttpResponse<byte[]> response) {
        AmplitudeResponse answer = AmplitudeResponse.parse(response.statusCode(), response.body());
        if (answer.isSuccess()) {
            acceptAll(batch);
            return;
        }
        if (answer.code() == 413 && batch.size() > 1) {
            split(batch, attempt);
            return;
        }
        Duration retryAfter = RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null));
        DeliveryResult result = this.outcomes.outcomes(answer, events(batch), retryAfter);
        List<PendingEvent> retries = new ArrayList<>();
        List<PendingEvent> resends = new ArrayList<>();
        Duration requested = Duration.ZERO;
        Duration resendDelay = Duration.ZERO;
        for (int i = 0; i < batch.size(); i++) {
            PendingEvent pending = batch.get(i);
            EventOutcome outcome = result.outcomes().get(i);
            if (outcome instanceof EventOutcome.Delivered) {
                pending.submission().accepted(1);
            }
            else if (outcome instanceof EventOutcome.Rejected rejected) {
                pending.submission().failed(new PublishException(PublishException.Reason.REJECTED,
                        "The endpoint rejected the event: " + rejected.detail()));
            }
            else if (outcome instanceof EventOutcome.TooLarge) {
                // Batches of two or more were split above, so this single event alone is too large.
                pending.submission().failed(new PublishException(PublishException.Reason.REJECTED,
                        "The endpoint rejected the event as too large (HTTP 413)"));
            }
            else if (outcome instanceof EventOutcome.RetryLater later && later.resend()) {
                resends.add(pending);
                resendDelay = max(resendDelay, later.delay());
            }
            else {
                retries.add(pending);
                requested = max(requested, requestedDelay(outcome));
            }
        }
        if (retries.isEmpty() && !resends.isEmpty() && resends.size() < batch.size()) {
            // Refused only for the other events, which the endpoint rejected for good, so the resend
            // is not an attempt of these, as in the router's own pipeline. Beside throttled or
            // failed events, they wait with those as before.
            resend(resends, attempt, resendDelay);
        }
        else if (!resends.isEmpty()) {
            retries.addAll(resends);
            requested = max(requested, resendDelay);
        }
        if (!retries.isEmpty()) {
            retry(retries, attempt, requested, "HTTP " + answer.code());
        }
    }

    /** Sends events again after {@code delay} without counting an attempt; see {@link #read}. */
    private void resend(List<PendingEvent> batch, int attempt, Duration delay) {
        if (this.closed) {
            retry(batch, attempt, delay, "the publisher closing");
            return;
        }
        sendLater(batch, attempt, delay);
    }

    /** Settles a batch the endpoint accepted whole, one report per run of events of the same submission. */
    private static void acceptAll(List<PendingEvent> batch) {
        int i = 0;
        while (i < batch.size()) {
            Submission submission = batch.get(i).submission();
            int run = 1;
            while (i + run < batch.size() && batch.get(i + run).submission() == submission) {
                run++;
            }
            submission.accepted(run);
            i += run;
        }
    }

    /**
     * Halves a batch the endpoint found too large, or whose body would exceed the endpoint's
     * limit, and keeps later batches at most that large.
     * The second half may exceed {@code maxRequestsInFlight} by one request for a moment.
     */
    private void split(List<PendingEvent> batch, int attempt) {
        int half = batch.size() / 2;
        this.batchLimit = Math.max(1, Math.min(this.batchLimit, half));
        logger.debug("Batch too large for the endpoint, splitting it: batch_size={} batch_limit={}",
                batch.size(), this.batchLimit);
        send(new ArrayList<>(batch.subList(0, half)), attempt);
        send(new ArrayList<>(batch.subList(half, batch.size())), attempt);
    }

    private static Duration requestedDelay(EventOutcome outcome) {
        if (outcome instanceof EventOutcome.Throttled throttled) {
            return throttled.pause();
        }
        if (outcome instanceof EventOutcome.RetryLater retryLater) {
            return retryLater.delay();
        }
        return Duration.ZERO;
    }

    private void retry(List<PendingEvent> batch, int attempt, Duration requested, String cause) {
        List<PendingEvent> unsettled = new ArrayList<>(batch.size());
        batch.stream().filter((pending) -> !pending.submission().isSettled()).forEach(unsettled::add);
        if (unsettled.isEmpty()) {
            return;
        }
        if (attempt >= this.settings.maxAttempts() || this.closed) {
            // A request that timed out may still have been accepted, so "not confirmed" rather than "rejected".
            String message = "The endpoint " + this.uri + " did not confirm the events after " + attempt
                    + " attempts; the last failed with " + cause;
            if (!this.closed) {
                logGiveUp(message, unsettled.size());
            }
            fail(unsettled, new PublishException(PublishException.Reason.RETRIES_EXHAUSTED, message));
            return;
        }
        Duration delay = this.settings.backoff(attempt, requested);
        logger.debug("Send failed, retry scheduled: cause={} batch_size={} attempt={} delay={}",
                cause, unsettled.size(), attempt + 1, delay);
        sendLater(unsettled, attempt + 1, delay);
    }

    /** Sends a batch as {@code attempt} after {@code delay}, unless close() fails it first. */
    private void sendLater(List<PendingEvent> batch, int attempt, Duration delay) {
        this.awaitingRetry.add(batch);
        this.scheduler.schedule(() -> guarded(() -> {
            if (this.awaitingRetry.remove(batch)) {
                send(batch, attempt);
            }
        }), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Logs events given up after their last attempt: a WARN at most once a minute, which counts
     * the events given up since the previous one, and DEBUG in between. A caller that does not
     * wait for its publishes would otherwise lose them without a line in the log.
     */
    private void logGiveUp(String message, int events) {
        long total = this.giveUpWarnings.record(events);
        if (total > 0) {
            logger.warn("Events failed after their last attempt: events={} (since the last such warning) "
                    + "message={}", total, message);
        }
        else {
            logger.debug("Events failed after their last attempt: events={} message={}", events, message);
        }
    }

    private static void fail(List<PendingEvent> batch, PublishException error) {
        batch.forEach((pending) -> pending.submission().failed(error));
    }

    @Override
    public void close() {
        this.closed = true;
        try {
            this.scheduler.submit(() -> failEverything(closedException())).get(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException | TimeoutException | RejectedExecutionException ex) {
            logger.debug("Could not settle the remaining events on close", ex);
        }
        this.scheduler.shutdownNow();
        this.httpExecutor.shutdownNow();
        failIncoming();
        BodyEncoder encoder;
        while ((encoder = this.encoders.poll()) != null) {
            encoder.close();
        }
    }

    private void failEverything(PublishException error) {
        this.buffer.forEach((pending) -> pending.submission().failed(error));
        this.buffer.clear();
        this.unanswered.forEach((batch) -> fail(batch, error));
        this.unanswered.clear();
        this.awaitingRetry.forEach((batch) -> fail(batch, error));
        this.awaitingRetry.clear();
        Submission submission = takeIncoming();
        while (submission != null) {
            submission.failed(error);
            submission = unlink(submission);
        }
    }

    private void failIncoming() {
        Submission submission = takeIncoming();
        while (submission != null) {
            submission.failed(closedException());
            submission = unlink(submission);
        }
    }

    private static PublishException closedException() {
        return new PublishException(PublishException.Reason.CLOSED, "The publisher is closed");
    }

    private static Duration max(Duration a, Duration b) {
        return (a.compareTo(b) >= 0) ? a : b;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return (task) -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private record PendingEvent(Event event, Submission submission, long enqueuedNanos) {
    }

    /** Marks a batch that could not be encoded, which no retry can fix. */
    private static final class EncodingFailure extends RuntimeException {

        EncodingFailure(RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
        }

    }

}
