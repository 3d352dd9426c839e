package io.eventrouter.sdk.internal;

import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import io.eventrouter.core.event.Event;
import io.eventrouter.sdk.PublishException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SubmissionTests {

    private static final PublishException REJECTED = new PublishException(PublishException.Reason.REJECTED,
            "rejected");

    private final AtomicReference<String> settlements = new AtomicReference<>("");

    private Submission submission(int events) {
        Event event = Event.builder("Signed Up").apiKey("0123456789abcdef").userId("user-1").build();
        return new Submission(Collections.nCopies(events, event),
                (count, error) -> this.settlements.getAndUpdate((text) -> text + count + ":" + (error != null)));
    }

    @Test
    void futureAskedAfterAcceptanceIsComplete() {
        Submission submission = submission(1);

        submission.accepted(1);

        assertThat(submission.future()).isCompleted();
    }

    @Test
    void futureAskedBeforeAcceptanceCompletesWithIt() {
        Submission submission = submission(2);
        CompletableFuture<Void> future = submission.future();

        submission.accepted(1);
        assertThat(future).isNotDone();
        submission.accepted(1);

        assertThat(future).isCompleted();
    }

    @Test
    void futureAskedAfterFailureFails() {
        Submission submission = submission(1);

        submission.failed(REJECTED);

        assertThat(submission.future()).isCompletedExceptionally();
    }

    @Test
    void firstOutcomeWinsAndIsReportedOnce() {
        Submission submission = submission(2);

        submission.failed(REJECTED);
        submission.accepted(2);

        assertThat(submission.future()).isCompletedExceptionally();
        assertThat(this.settlements.get()).isEqualTo("2:true");
    }

    @Test
    void everyCallOfFutureReturnsTheSameFuture() {
        Submission submission = submission(1);

        assertThat(submission.future()).isSameAs(submission.future());
    }

}
