package io.eventrouter.core.spool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SpoolReaderTests {

    private static final DestinationId AMPLITUDE = DestinationId.of("amplitude");

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    private Path directory;

    @Test
    void replacedReaderKeepsNewReaderAtWatermark() throws InterruptedException {
        MVStoreSpool writer = MVStoreSpool.builder(this.directory).destinations(List.of(AMPLITUDE)).build();
        writer.append(SourceId.of("bridge"), IntStream.range(0, 5)
                .mapToObj((i) -> Event.builder("event-" + i).apiKey("key-a").build()).toList()).block(WAIT);
        writer.close();
        Path path = this.directory.resolve(SpoolFile.FILE_NAME);
        SpoolFile file = SpoolFile.openOrReplace(path.toString(), path, 0, false);
        PausingOffset committed = new PausingOffset(5);
        Scheduler scheduler = Schedulers.newSingle("spool-reader-test");
        SpoolReader reader = new SpoolReader(AMPLITUDE, 0, file, committed, scheduler.createWorker());
        try {
            Recorder first = new Recorder();
            reader.read().subscribe(first);
            first.request(2);
            await().atMost(WAIT).until(() -> first.offsets.size() == 2);

            // The third read stops between finding its record and claiming it, as a slow read
            // of a large record does, while a rewind replaces the subscriber.
            committed.pauseAfter(1);
            first.request(1);
            assertThat(committed.paused.await(10, TimeUnit.SECONDS)).isTrue();
            first.dispose();
            Recorder second = new Recorder();
            reader.read().subscribe(second);
            second.request(10);
            committed.resume.countDown();

            await().atMost(WAIT).until(() -> second.offsets.contains(4L));
            assertThat(second.offsets).containsExactly(0L, 1L, 2L, 3L, 4L);
        }
        finally {
            reader.close();
            scheduler.dispose();
            file.closeImmediately();
        }
    }

    /** A committed offset that, once armed, makes the reader's thread wait at one call. */
    private static final class PausingOffset implements LongSupplier {

        private final long value;

        private final AtomicInteger callsBeforePause = new AtomicInteger(-1);

        final CountDownLatch paused = new CountDownLatch(1);

        final CountDownLatch resume = new CountDownLatch(1);

        PausingOffset(long value) {
            this.value = value;
        }

        /** Lets {@code calls} more calls pass, then pauses the next one until {@link #resume}. */
        void pauseAfter(int calls) {
            this.callsBeforePause.set(calls);
        }

        @Override
        public long getAsLong() {
            if (this.callsBeforePause.getAndDecrement() == 0) {
                this.paused.countDown();
                try {
                    this.resume.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            return this.value;
        }

    }

    /** A subscriber that records the offsets it receives and requests only what the test requests. */
    private static final class Recorder extends BaseSubscriber<SpooledEvent> {

        final List<Long> offsets = new CopyOnWriteArrayList<>();

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // Requests come from the test.
        }

        @Override
        protected void hookOnNext(SpooledEvent value) {
            this.offsets.add(value.offset());
        }

    }

}
