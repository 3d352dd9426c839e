package io.eventrouter.sdk.internal;

import java.time.Duration;
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
 * <p>A source that refuses a submission for now, because its queue, its spool or its share of
 * the heap is full, gets it again after a delay that doubles from 10 ms to 1 s, for as long as
 * the HTTP transport's default attempts take. The publisher's buffer bounds what waits meanwhile,
 * so a burst larger than the source's queue waits instead of failing.
 */
public final class InProcessTransport implements Transport {

    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(10);

    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(1);

    /** How long a refused submission is offered again: about as long as 10 attempts over HTTP take. */
    private static final Duration MAX_RETRY_TIME = Duration.ofSeconds(80);

    private final Source source;

    /** Submissions the source has not accepted yet, failed on close. */
    private final Set<Submission> outstanding = ConcurrentHashMap.newKeySet();

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
        submit(submission, FIRST_RETRY_DELAY, System.nanoTime() + MAX_RETRY_TIME.toNanos());
    }

    private void submit(Submission submission, Duration delay, long deadline) {
        this.source.submit(submission.events())
                .subscribe((acceptance) -> {
                    this.outstanding.remove(submission);
                    submission.accepted(submission.events().size());
                }, (error) -> {
                    if (this.closed) {
                        // close() failed the submission already.
                        return;
                    }
                    if (isTransientRejection(error) && System.nanoTime() + delay.toNanos() < deadline) {
                        Duration next = (delay.compareTo(MAX_RETRY_DELAY.dividedBy(2)) < 0) ? delay.multipliedBy(2)
                                : MAX_RETRY_DELAY;
                        Mono.delay(delay).subscribe((tick) -> {
                            if (!this.closed) {
                                submit(submission, next, deadline);
                            }
                        });
                        return;
                    }
                    this.outstanding.remove(submission);
                    submission.failed(toPublishException(error));
                });
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
        PublishException closed = new PublishException(PublishException.Reason.CLOSED, "The publisher is closed");
        this.outstanding.forEach((submission) -> submission.failed(closed));
    }

}
