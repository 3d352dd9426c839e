package io.eventrouter.sdk.internal;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * The {@code Mono} that {@code publish} returns: it asks the submission for its future only
 * when subscribed, so a publish that nobody subscribes to creates no future. It takes one small
 * object per publish, where {@code Mono.fromFuture(supplier)} takes three.
 */
final class SubmissionMono extends Mono<Void> {

    private final Submission submission;

    SubmissionMono(Submission submission) {
        this.submission = submission;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        // suppressCancel: a subscriber that cancels must not fail the submission for everyone else.
        Mono.fromFuture(this.submission.future(), true).subscribe(actual);
    }

}
