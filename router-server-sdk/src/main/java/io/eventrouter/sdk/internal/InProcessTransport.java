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

/**
 * Submits straight to a pipeline source in the same JVM: no encoding, no HTTP hop. A
 * submission is accepted when the pipeline's acceptance stage has stored it.
 */
public final class InProcessTransport implements Transport {

    private final Source source;

    /** Submissions the source has not answered yet, failed on close. */
    private final Set<Submission> outstanding = ConcurrentHashMap.newKeySet();

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
        this.source.submit(submission.events())
                .doFinally((signal) -> this.outstanding.remove(submission))
                .subscribe((acceptance) -> submission.accepted(submission.events().size()),
                        (error) -> submission.failed(toPublishException(error)));
    }

    /** Returns why Amplitude would refuse the event's user or device id, or null when it takes both. */
    private static @Nullable String idProblem(Event event) {
        int minIdLength = UploadDecoder.minIdLength(event.context());
        for (EventField field : List.of(EventField.USER_ID, EventField.DEVICE_ID)) {
            String id = event.string(field).orElse(null);
            String problem = (id != null) ? UploadDecoder.idProblem(id, minIdLength) : null;
            if (problem != null) {
                return "The event's " + field.jsonName() + " \"" + id + "\" is " + problem
                        + ", so Amplitude would refuse it (options.min_id_length sets the length)";
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
        PublishException closed = new PublishException(PublishException.Reason.CLOSED, "The publisher is closed");
        this.outstanding.forEach((submission) -> submission.failed(closed));
    }

}
