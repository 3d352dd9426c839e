package io.eventrouter.sdk.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.sdk.PublishException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Submits straight to a pipeline source in the same JVM: no encoding, no HTTP hop. A
 * submission is accepted when the pipeline's acceptance stage has stored it.
 *
 * <p>A source that rejects a submission for now, because its queue, its spool or its share of
 * the heap is full, gets it again after a delay that doubles from 10 ms to 1 s, for as long as
 * the HTTP transport's default attempts take. The publisher's buffer bounds what waits meanwhile,
 * so a burst larger than the source's queue waits instead of failing.
 *
 * <p>Submissions published while others wait queue behind them. A full queue rejects a
 * submission while it is handed over, so each thread's publishes reach the source in their
 * order. NOTE: a submission that the acceptance stage rejects later, for a full spool or heap,
 * may be overtaken by one handed over after it.
 */
public final class InProcessTransport implements Transport {

    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(10);

    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(1);

    /** How long a rejected submission is offered again: about as long as 10 attempts over HTTP take. */
    private static final Duration MAX_RETRY_TIME = Duration.ofSeconds(80);

    private final Source source;

    /** Submissions the source has not accepted yet, failed on close. */
    private final Set<Submission> outstanding = ConcurrentHashMap.newKeySet();

    /** Guards handing submissions over, {@link #waiting}, {@link #drainScheduled} and {@link #delay}. */
    private final Object lock = new Object();

    /** Submissions rejected for now, and those published after them, in the order to offer them. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

    private boolean drainScheduled;

    private Duration delay = FIRST_RETRY_DELAY;

    private volatile boolean closed;

    public InProcessTransport(Source source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public void send(Submission submission) {
        for (Event event : submission.events()) {
            String problem = idProblem(event);
            if (problem != null) {
                // The bridge rejects such an upload with a 400. In-process, Amplitude would refuse the
                // event after the publish succeeded, and it would end as a dead letter.
                submission.failed(new PublishException(PublishException.Reason.REJECTED, problem));
                return;
            }
        }
        this.outstanding.add(submission);
        Waiting entry = new Waiting(submission, System.nanoTime() + MAX_RETRY_TIME.toNanos());
        synchronized (this.lock) {
            if (this.waiting.isEmpty()) {
                offer(entry);
            }
            else {
                this.waiting.addLast(entry);
            }
        }
    }

    /**
     * Hands a submission to the source. A rejection for now puts it back at the head of the
     * waiting ones. A full queue rejects it before {@code submit} returns, so under the lock.
     */
    private void offer(Waiting entry) {
        Submission submission = entry.submission();
        this.source.submit(submission.events())
                .subscribe((acceptance) -> {
                    this.outstanding.remove(submission);
                    submission.accepted(submission.events().size());
                }, (error) -> onRejected(entry, error));
    }

    private void onRejected(Waiting entry, Throwable error) {
        if (this.closed) {
            // close() failed the submission already.
            return;
        }
        if (!isTransientRejection(error) || System.nanoTime() >= entry.deadline()) {
            this.outstanding.remove(entry.submission());
            entry.submission().failed(toPublishException(error));
            return;
        }
        synchronized (this.lock) {
            this.waiting.addFirst(entry);
            if (!this.drainScheduled) {
                this.drainScheduled = true;
                Duration wait = this.delay;
                this.delay = (wait.compareTo(MAX_RETRY_DELAY.dividedBy(2)) < 0) ? wait.multipliedBy(2)
                        : MAX_RETRY_DELAY;
                Mono.delay(wait).subscribe((tick) -> drain());
            }
        }
    }

    /** Offers the waiting submissions in order, until one is rejected again or none is left. */
    private void drain() {
        synchronized (this.lock) {
            this.drainScheduled = false;
            while (!this.closed && !this.waiting.isEmpty()) {
                offer(this.waiting.pollFirst());
                if (this.drainScheduled) {
                    return;
                }
            }
            this.delay = FIRST_RETRY_DELAY;
        }
    }

    private static boolean isTransientRejection(Throwable error) {
        return error instanceof AcceptanceException refused
                && refused.reason() != AcceptanceException.Reason.NOT_RUNNING;
    }

    /** Returns why Amplitude would refuse the event's user or device id, or null when it takes both. */
    private static @Nullable String idProblem(Event event) {
        int minIdLength = UploadDecoder.minIdLength(event.context());
        for (EventField field : List.of(EventField.USER_ID, EventField.DEVICE_ID)) {
            String id = event.string(field).orElse(null);
            String problem = (id != null) ? UploadDecoder.idProblem(id, minIdLength) : null;
            if (problem != null) {
                // Only a length problem depends on the context's min_id_length.
                String hint = problem.startsWith("shorter") ? " (options.min_id_length sets the length)" : "";
                return "Invalid " + field.jsonName() + " \"" + id + "\": " + problem + hint;
            }
        }
        return null;
    }

    private PublishException toPublishException(Throwable error) {
        if (error instanceof AcceptanceException refused) {
            return new PublishException(PublishException.Reason.UNAVAILABLE, "Source '" + this.source.id()
                    + "' did not accept the events: " + refused.reason(), refused.retryAfter(), refused);
        }
        return new PublishException(PublishException.Reason.UNAVAILABLE, "Source '" + this.source.id()
                + "' failed: " + error, Duration.ZERO, error);
    }

    @Override
    public void flushNow() {
        // Nothing waits here: every submission goes to the source at once.
    }

    @Override
    public void close() {
        // The pipeline belongs to the application and goes on with what it was given, but the
        // publisher's callers learn that it gave up waiting.
        this.closed = true;
        synchronized (this.lock) {
            this.waiting.clear();
        }
        PublishException closed = new PublishException(PublishException.Reason.CLOSED, "The publisher is closed");
        this.outstanding.forEach((submission) -> submission.failed(closed));
    }

    /** A submission not yet accepted, and when the transport stops offering it. */
    private record Waiting(Submission submission, long deadline) {
    }

}
