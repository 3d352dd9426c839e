package io.eventrouter.core.spool;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import reactor.core.publisher.BaseSubscriber;

/**
 * A spool reader that blocks the spool's emission of its first event until it is released, so
 * that a test can replace it while the spool is still emitting to it.
 */
final class BlockingReader extends BaseSubscriber<SpooledEvent> {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final CountDownLatch emitting = new CountDownLatch(1);

    private final CountDownLatch released = new CountDownLatch(1);

    /** Waits until the spool emits the first event, and returns whether it did in time. */
    boolean awaitEmission() throws InterruptedException {
        return this.emitting.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets the blocked emission return, so that the spool's drain goes on. */
    void release() {
        this.released.countDown();
    }

    @Override
    protected void hookOnNext(SpooledEvent event) {
        this.emitting.countDown();
        try {
            this.released.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

}
