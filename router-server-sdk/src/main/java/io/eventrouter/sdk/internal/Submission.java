package io.eventrouter.sdk.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.eventrouter.core.event.Event;
import io.eventrouter.sdk.PublishException;

/**
 * The events of one publish call and the future that settles it. A transport may split the
 * events across requests. The future completes once each event has been reported accepted, and
 * fails at the first event reported failed.
 */
public final class Submission {

    private final List<Event> events;

    private final CompletableFuture<Void> result = new CompletableFuture<>();

    private final AtomicInteger unaccepted;

    Submission(List<Event> events) {
        this.events = events;
        this.unaccepted = new AtomicInteger(events.size());
    }

    public List<Event> events() {
        return this.events;
    }

    /** Reports {@code count} of the events accepted; callable from any thread. */
    public void accepted(int count) {
        if (this.unaccepted.addAndGet(-count) <= 0) {
            this.result.complete(null);
        }
    }

    /** Reports the submission failed; later reports change nothing. */
    public void failed(PublishException error) {
        this.result.completeExceptionally(error);
    }

    public boolean isSettled() {
        return this.result.isDone();
    }

    CompletableFuture<Void> result() {
        return this.result;
    }

}
