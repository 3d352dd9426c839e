package io.eventrouter.sdk.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.eventrouter.core.event.Event;
import io.eventrouter.sdk.PublishException;
import org.jspecify.annotations.Nullable;

/**
 * The events of one publish call and their outcome. A transport may split the events across
 * requests. The submission is settled once each event has been reported accepted, or at the
 * first event reported failed; later reports change nothing.
 *
 * <p>A publish that nobody observes must cost little, so the outcome is a field, and the
 * {@link CompletableFuture} exists only once a caller asks for it through {@link #future()}.
 * Settling and asking may race from different threads: each side writes its own field before it
 * reads the other's, so at least one of them sees both and completes the future.
 */
public final class Submission {

    private static final VarHandle UNACCEPTED;

    private static final VarHandle OUTCOME;

    private static final VarHandle FUTURE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            UNACCEPTED = lookup.findVarHandle(Submission.class, "unaccepted", int.class);
            OUTCOME = lookup.findVarHandle(Submission.class, "outcome", Object.class);
            FUTURE = lookup.findVarHandle(Submission.class, "future", CompletableFuture.class);
        }
        catch (ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** The outcome of an accepted submission; a failed one contains its {@link PublishException}. */
    private static final Object ACCEPTED = new Object();

    /** Claims the submission for the one thread that settles it, until it stores the outcome. */
    private static final Object SETTLING = new Object();

    private final List<Event> events;

    private final Settlement settlement;

    private volatile int unaccepted;

    private volatile @Nullable Object outcome;

    private volatile @Nullable CompletableFuture<Void> future;

    /** The link of the HTTP transport's incoming stack; the transport's atomic swaps publish it. */
    @Nullable Submission next;

    /**
     * @param settlement told once, on the thread that settles the submission, before any future
     *        of it completes
     */
    Submission(List<Event> events, Settlement settlement) {
        this.events = events;
        this.settlement = settlement;
        this.unaccepted = events.size();
    }

    public List<Event> events() {
        return this.events;
    }

    /** Reports {@code count} of the events accepted; callable from any thread. */
    public void accepted(int count) {
        if ((int) UNACCEPTED.getAndAdd(this, -count) - count <= 0) {
            settle(ACCEPTED);
        }
    }

    /** Reports the submission failed, unless it is settled already; callable from any thread. */
    public void failed(PublishException error) {
        settle(error);
    }

    public boolean isSettled() {
        return this.outcome != null;
    }

    /**
     * Counts the outcome, then completes the future, so that stats read after the future
     * completes already count these events.
     */
    private void settle(Object result) {
        if (!OUTCOME.compareAndSet(this, null, SETTLING)) {
            return;
        }
        PublishException error = (result instanceof PublishException failure) ? failure : null;
        this.settlement.settled(this.events.size(), error);
        this.outcome = result;
        CompletableFuture<Void> observed = this.future;
        if (observed != null) {
            complete(observed, result);
        }
    }

    /**
     * Returns the future of this submission, created on the first call, which completes when
     * the submission is accepted and fails with its {@link PublishException} otherwise.
     */
    public CompletableFuture<Void> future() {
        CompletableFuture<Void> existing = this.future;
        if (existing != null) {
            return existing;
        }
        CompletableFuture<Void> created = new CompletableFuture<>();
        if (!FUTURE.compareAndSet(this, null, created)) {
            return this.future;
        }
        Object result = this.outcome;
        if (result != null && result != SETTLING) {
            complete(created, result);
        }
        return created;
    }

    private static void complete(CompletableFuture<Void> future, Object result) {
        if (result instanceof PublishException error) {
            future.completeExceptionally(error);
        }
        else {
            future.complete(null);
        }
    }

    /** Learns the outcome of each submission once, to count it and release its buffer room. */
    interface Settlement {

        /** Called once per submission; {@code error} is null when every event was accepted. */
        void settled(int count, @Nullable PublishException error);

    }

}
