package io.eventrouter.core.spool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class MemorySpoolTests {

    private static final SourceId SOURCE = SourceId.of("test");

    private static final DestinationId FIRST = DestinationId.of("first");

    private static final DestinationId SECOND = DestinationId.of("second");

    @Test
    void backlogLeavesOutEventsAcknowledgedOutOfOrder() {
        MemorySpool spool = new MemorySpool(10, List.of(FIRST, SECOND));
        spool.append(SOURCE, events(4)).block();

        spool.acknowledge(FIRST, 1);
        spool.acknowledge(FIRST, 3);

        assertThat(spool.backlog(FIRST)).isEqualTo(2);
        assertThat(spool.backlog(SECOND)).isEqualTo(4);
    }

    @Test
    void eachDestinationReadsEveryEventInOrder() {
        MemorySpool spool = new MemorySpool(10, List.of(FIRST, SECOND));

        spool.append(SOURCE, events(3)).block();

        StepVerifier.create(spool.read(FIRST).map(SpooledEvent::offset).take(3))
                .expectNext(0L, 1L, 2L).verifyComplete();
        StepVerifier.create(spool.read(SECOND).map(SpooledEvent::offset).take(3))
                .expectNext(0L, 1L, 2L).verifyComplete();
    }

    @Test
    void replacedReaderLeavesEventsToNext() throws InterruptedException {
        MemorySpool spool = new MemorySpool(10, List.of(FIRST));
        spool.append(SOURCE, events(5)).block();
        BlockingReader first = new BlockingReader();
        List<Long> read = new CopyOnWriteArrayList<>();

        // A rewind replaces the reader from the dispatcher's thread while the spool may still be
        // emitting to the old one on another. Here the old reader blocks the emission until the
        // new one has subscribed, and then the spool's drain goes on.
        Thread draining = new Thread(() -> spool.read(FIRST).subscribe(first));
        draining.start();
        assertThat(first.awaitEmission()).isTrue();
        first.dispose();
        spool.read(FIRST).map(SpooledEvent::offset).subscribe(read::add);
        first.release();
        draining.join(10_000);

        assertThat(read).containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void readerFollowsLaterAppends() {
        MemorySpool spool = new MemorySpool(10, List.of(FIRST));

        StepVerifier.create(spool.read(FIRST).map(SpooledEvent::offset).take(2))
                .then(() -> spool.append(SOURCE, events(2)).block())
                .expectNext(0L, 1L)
                .verifyComplete();
    }

    @Test
    void rejectsAppendBeyondCapacityUntilEveryDestinationAcknowledges() {
        MemorySpool spool = new MemorySpool(2, List.of(FIRST, SECOND));
        spool.append(SOURCE, events(2)).block();

        StepVerifier.create(spool.append(SOURCE, events(1)))
                .expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(AcceptanceException.class)
                        .extracting("reason").isEqualTo(AcceptanceException.Reason.SPOOL_FULL))
                .verify(Duration.ofSeconds(5));

        spool.acknowledge(FIRST, 0);
        assertThat(spool.backlog(SECOND)).isEqualTo(2);
        StepVerifier.create(spool.append(SOURCE, events(1))).expectError(AcceptanceException.class).verify();

        spool.acknowledge(SECOND, 0);
        StepVerifier.create(spool.append(SOURCE, events(1))).verifyComplete();
    }

    @Test
    void resumedReaderSkipsAcknowledgedEvents() {
        MemorySpool spool = new MemorySpool(10, List.of(FIRST));
        spool.append(SOURCE, events(4)).block();
        spool.acknowledge(FIRST, 0);
        spool.acknowledge(FIRST, 2);

        StepVerifier.create(spool.read(FIRST).map(SpooledEvent::offset).take(2))
                .expectNext(1L, 3L).verifyComplete();
    }

    @Test
    void honoursReaderDemand() {
        MemorySpool spool = new MemorySpool(10, List.of(FIRST));
        spool.append(SOURCE, events(5)).block();

        StepVerifier.create(spool.read(FIRST).map(SpooledEvent::offset), 2)
                .expectNext(0L, 1L)
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .expectNext(2L)
                .thenCancel()
                .verify();
    }

    private static List<Event> events(int count) {
        return IntStream.range(0, count)
                .mapToObj((i) -> Event.builder("event-" + i).apiKey("key-12345").deviceId("device-1").build())
                .toList();
    }

}
