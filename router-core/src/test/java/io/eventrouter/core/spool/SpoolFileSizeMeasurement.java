package io.eventrouter.core.spool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;

/**
 * Appends a million events of about 300 bytes, acknowledging each batch as a destination would,
 * and prints the spool file's size along the way. Run by hand; not a test.
 */
final class SpoolFileSizeMeasurement {

    public static void main(String[] args) throws Exception {
        int total = Integer.parseInt(args.length > 0 ? args[0] : "1000000");
        SyncPolicy policy = SyncPolicy.valueOf(args.length > 1 ? args[1] : "ALWAYS");
        Path directory = Files.createTempDirectory("spool-size");
        DestinationId destination = DestinationId.of("amplitude");
        SourceId source = SourceId.of("bench");
        List<Event> batch = IntStream.range(0, 100)
                .mapToObj((i) -> Event.builder("played").apiKey("key-1234567890").deviceId("device-" + i)
                        .insertId("insert-" + i).eventProperty("padding", "x".repeat(200)).build())
                .toList();
        long started = System.nanoTime();
        long cpuStarted = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long max = 0;
        try (MVStoreSpool spool = MVStoreSpool.builder(directory).destinations(List.of(destination))
                .syncPolicy(policy).build()) {
            long offset = 0;
            while (offset < total) {
                reactor.core.publisher.Flux.range(0, 10)
                        .flatMap((i) -> spool.append(source, batch))
                        .blockLast(Duration.ofSeconds(30));
                long end = offset + 1000;
                for (; offset < end; offset++) {
                    spool.acknowledge(destination, offset);
                }
                max = Math.max(max, spool.size());
                if (offset % 100_000 == 0) {
                    System.out.printf("events=%d file_bytes=%d max_file_bytes=%d seconds=%.1f%n", offset, spool.size(),
                            max, (System.nanoTime() - started) / 1e9);
                }
            }
            Thread.sleep(12000);
            System.out.printf("after 12 s idle: file_bytes=%d%n", spool.size());
        }
        System.out.printf("closed: file_bytes=%d wall_seconds=%.1f%n", Files.size(directory.resolve(SpoolFile.FILE_NAME)),
                (System.nanoTime() - started) / 1e9);
    }

}
