package io.eventrouter.benchmark.sdk;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.OverflowPolicy;
import io.eventrouter.sdk.PublisherStats;

/**
 * Our SDK with {@link OverflowPolicy#REJECT} and a bounded buffer through an outage of the
 * endpoint (503 to every upload). A paced loop keeps publishing and counts rejections. Every 5 s
 * it samples the heap used after a full GC and the resident set. After the endpoint is back,
 * every event the publisher accepted must arrive. Rejected events never reach the
 * transport, so the endpoint's count of distinct insert ids equal to the accepted count means
 * every accepted event was delivered.
 */
final class Outage {

    private Outage() {
    }

    static void run(int port, int outageSeconds, int ratePerSecond, int capacity) throws Exception {
        Runner.Control control = new Runner.Control(port);
        control.post("/up");
        control.post("/reset");
        long accepted = 0;
        long rejected = 0;
        long sequence = 0;
        try (EventPublisher publisher = EventPublisher.builder()
                .http(URI.create("https://127.0.0.1:" + port))
                .apiKey("benchmark-api-key-0000000000000000")
                .sslContext(Tls.trusting())
                .bufferCapacity(capacity)
                .overflowPolicy(OverflowPolicy.REJECT)
                .maxAttempts(Integer.MAX_VALUE)
                .maxBackoff(Duration.ofSeconds(2))
                .closeTimeout(Duration.ofSeconds(60))
                .build()) {
            long intervalNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
            long phaseStart = System.nanoTime();
            long nextSample = phaseStart;
            long[] phaseEnds = { TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(10L + outageSeconds) };
            String[] phases = { "before", "outage" };
            for (int phase = 0; phase < phases.length; phase++) {
                if (phase == 1) {
                    control.post("/down");
                    System.out.println("endpoint down");
                }
                long next = System.nanoTime();
                while (System.nanoTime() - phaseStart < phaseEnds[phase]) {
                    CompletableFuture<Void> result = publisher.publishAsync(
                            Runner.ourEvent(publisher, "outage", sequence++));
                    if (result.isCompletedExceptionally()) {
                        rejected++;
                    }
                    else {
                        accepted++;
                    }
                    if (System.nanoTime() >= nextSample) {
                        sample(phases[phase], (System.nanoTime() - phaseStart) / 1e9, publisher.stats(), accepted,
                                rejected);
                        nextSample += TimeUnit.SECONDS.toNanos(5);
                    }
                    next += intervalNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
            }
            control.post("/up");
            System.out.println("endpoint up");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (publisher.stats().pending() > 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            sample("after", (System.nanoTime() - phaseStart) / 1e9, publisher.stats(), accepted, rejected);
            // Keeps the JVM up for a heap histogram (jcmd PID GC.class_histogram) after the drain.
            Thread.sleep(TimeUnit.SECONDS.toMillis(Long.getLong("benchmark.holdSeconds", 0L)));
            long distinct = control.distinct();
            PublisherStats stats = publisher.stats();
            System.out.printf(Locale.ROOT, "RESULT outage outage_s=%d published=%d accepted=%d rejected=%d "
                    + "delivered_distinct=%d publisher_accepted=%d publisher_failed=%d lost=%d%n", outageSeconds,
                    sequence, accepted, rejected, distinct, stats.accepted(), stats.failed() - rejected,
                    accepted - distinct);
        }
    }

    private static void sample(String phase, double seconds, PublisherStats stats, long accepted, long rejected)
            throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heap = memory.getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "SAMPLE phase=%s t=%.0fs heap_after_gc_kb=%d rss_kb=%s pending=%d "
                + "accepted=%d rejected=%d%n", phase, seconds, heap / 1024, rss(), stats.pending(), accepted, rejected);
    }

    private static String rss() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter((line) -> line.startsWith("VmRSS:"))
                .map((line) -> line.replaceAll("[^0-9]", ""))
                .findFirst().orElse("?");
    }

}
