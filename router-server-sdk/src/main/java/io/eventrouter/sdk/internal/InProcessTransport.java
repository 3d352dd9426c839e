package io.eventrouter.sdk.internal;

import java.time.Duration;
import java.util.Objects;

import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.sdk.PublishException;

/**
 * Submits straight to a pipeline source in the same JVM: no encoding, no HTTP hop. A
 * submission is accepted when the pipeline's acceptance stage has stored it.
 */
public final class InProcessTransport implements Transport {

    private final Source source;

    public InProcessTransport(Source source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public void send(Submission submission) {
        this.source.submit(submission.events())
                .subscribe((acceptance) -> submission.accepted(submission.events().size()),
                        (error) -> submission.failed(toPublishException(error)));
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
        // The pipeline settles what it was given; it belongs to the application, not to the publisher.
    }

}
