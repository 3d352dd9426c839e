package io.eventrouter.core.spool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.SourceId;

/**
 * Fills a spool to its maximum size, then reads and acknowledges the whole backlog, printing
 * the file size and heap use. Run by hand with a small heap; not a test.
 */
final class SpoolBacklogMeasurement {

    public static void main(String[] args) throws Exception {
        long maxBytes = Long.parseLong(args.length > 0 ? args[0] : "100000000");
        Path directory = Files.createTempDirectory("spool-backlog");
        DestinationId destination = DestinationId.of("amplitude");
        SourceId source = SourceId.of("bench");
        List<Event> batch = IntStream.range(0, 50)
                .mapToObj((i) -> Event.builder("played").apiKey("key-1234567890").deviceId("device-" + i)
                        .insertId("insert-" + i).eventProperty("padding", "x".repeat(800)).build())
                .toList();
        long started = System.nanoTime();
        try (MVStoreSpool spool = MVStoreSpool.builder(directory).destinations(List.of(destination))
                .maxBytes(maxBytes).build()) {
            long appended = 0;
            try {
                while (true) {
                    reactor.core.publisher.Flux.range(0, 4)
                            .flatMap((i) -> spool.append(source, batch))
                            .blockLast(Duration.ofSeconds(30));
                    appended += 200;
                }
            }
            catch (AcceptanceException ex) {
                System.out.printf("full after %d events: file_bytes=%d heap_used=%d seconds=%.1f%n", appended,
                        spool.size(), used(), (System.nanoTime() - started) / 1e9);
            }
            AtomicLong read = new AtomicLong();
            long target = spool.backlog(destination);
            spool.read(destination)
                    .limitRate(1000)
                    .doOnNext((event) -> {
                        spool.acknowledge(destination, event.offset());
                        if (read.incrementAndGet() % 20_000 == 0) {
                            System.out.printf("read=%d file_bytes=%d heap_used=%d seconds=%.1f%n", read.get(),
                                    spool.size(), used(), (System.nanoTime() - started) / 1e9);
                        }
                    })
                    .take(target)
                    .blockLast(Duration.ofMinutes(5));
            Thread.sleep(12000);
            System.out.printf("drained: file_bytes=%d backlog=%d seconds=%.1f%n", spool.size(),
                    spool.backlog(destination), (System.nanoTime() - started) / 1e9);
        }
    }

    private static long used() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

}
