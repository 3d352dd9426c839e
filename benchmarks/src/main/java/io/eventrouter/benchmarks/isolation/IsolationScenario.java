package io.eventrouter.benchmarks.isolation;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

import io.eventrouter.benchmarks.Arguments;
import io.eventrouter.benchmarks.server.StandInEndpoint;
import io.eventrouter.benchmarks.upload.UploadBodies;
import io.eventrouter.core.amplitude.AmplitudeDestination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.pipeline.BatchPolicy;
import io.eventrouter.core.pipeline.DispatchPipeline;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.MemorySpool;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import reactor.netty.DisposableServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Measures how well the pipeline isolates destinations. The figure is the delivery latency of a
 * healthy Amplitude-like destination, from the submission to a source until the event reaches the
 * destination's endpoint. It is measured once while a second destination is healthy too, and once
 * while the second one responds 503 to everything.
 *
 * <p>Runs in one JVM: a {@link DispatchPipeline} built from router-core with a {@link MemorySpool},
 * two {@link AmplitudeDestination}s and two {@link StandInEndpoint}s on loopback ports, fed at a
 * fixed rate. Each submitted event carries its submission time in {@code event_properties}; the
 * healthy endpoint records the difference on arrival in an HdrHistogram. The two modes alternate,
 * each phase with a fresh pipeline, and every figure is the median over the repeats.
 */
public final class IsolationScenario {

    private static final String SUBMITTED_NANOS = "bench_submitted_nanos";

    private static final SourceId SOURCE = SourceId.of("benchmark");

    private static final RequestContext CONTEXT = new RequestContext(UploadBodies.API_KEY, null);

    private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(5);

    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);

    private final JsonMapper mapper = JsonMapper.builder().build();

    private final UploadBodies uploads = new UploadBodies(42);

    private final Settings settings;

    IsolationScenario(Settings settings) {
        this.settings = settings;
    }

    /** The scenario's options, as given on the command line. */
    record Settings(int seconds, int warmupSeconds, int eventsPerSecond, int eventsPerUpload, int repeats,
            BatchPolicy batchPolicy, int spoolCapacity) {

        static Settings from(Arguments options) {
            return new Settings(options.intValue("seconds", 20), options.intValue("warmup-seconds", 5),
                    options.intValue("rate", 2000), options.intValue("events-per-upload", 10),
                    options.intValue("repeats", 3),
                    new BatchPolicy(options.intValue("batch-max-events", 500),
                            Duration.ofMillis(options.intValue("batch-max-wait-ms", 1000))),
                    options.intValue("spool-capacity", 100_000));
        }

    }

    /** One phase's figures; latencies in milliseconds. */
    record PhaseResult(boolean otherFails, double p50, double p99, double max, long measured, long accepted,
            long rejected, long otherRequests) {
    }

    PhaseResult run(boolean otherFails) {
        Histogram latencies = new SynchronizedHistogram(MAX_LATENCY_NANOS, 3);
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        StandInEndpoint healthy = new StandInEndpoint(Duration.ZERO, 200,
                (body) -> record(body, latencies, measureFrom.get()));
        StandInEndpoint other = new StandInEndpoint(Duration.ZERO, otherFails ? 503 : 200, (body) -> {
        });
        DisposableServer healthyServer = healthy.start(0);
        DisposableServer otherServer = other.start(0);
        AmplitudeDestination healthyDestination = destination("healthy", healthyServer.port());
        AmplitudeDestination otherDestination = destination("other", otherServer.port());
        // NOTE: MemorySpool was the router's default spool when this scenario was written. If the
        // default changes, build the new default here, so that the scenario keeps measuring it.
        MemorySpool spool = new MemorySpool(this.settings.spoolCapacity(),
                List.of(healthyDestination.id(), otherDestination.id()));
        DispatchPipeline pipeline = DispatchPipeline.builder()
                .spool(spool)
                .source(SOURCE)
                .destination(healthyDestination, this.settings.batchPolicy())
                .destination(otherDestination, this.settings.batchPolicy())
                .build();
        try {
            pipeline.start();
            Submissions submissions = submit(pipeline.source(SOURCE), measureFrom);
            awaitDelivery(healthy, submissions.accepted().get());
            return new PhaseResult(otherFails, millis(latencies.getValueAtPercentile(50)),
                    millis(latencies.getValueAtPercentile(99)), millis(latencies.getMaxValue()),
                    latencies.getTotalCount(), submissions.accepted().get(), submissions.rejected().get(),
                    other.requests());
        }
        finally {
            pipeline.close();
            spool.close();
            healthyDestination.close();
            otherDestination.close();
            healthyServer.disposeNow();
            otherServer.disposeNow();
        }
    }

    private static AmplitudeDestination destination(String id, int port) {
        return AmplitudeDestination.builder()
                .id(DestinationId.of(id))
                .url(URI.create("http://127.0.0.1:" + port))
                .build();
    }

    private record Submissions(AtomicLong accepted, AtomicLong rejected) {
    }

    /**
     * Submits uploads at the configured rate from this thread, for the warm-up and then the
     * measured seconds. Sets {@code measureFrom} to the end of the warm-up, so that events
     * submitted during the warm-up are not recorded.
     */
    private Submissions submit(Source source, AtomicLong measureFrom) {
        Submissions submissions = new Submissions(new AtomicLong(), new AtomicLong());
        long periodNanos = TimeUnit.SECONDS.toNanos(1) * this.settings.eventsPerUpload()
                / this.settings.eventsPerSecond();
        long start = System.nanoTime();
        long warmupEnd = start + TimeUnit.SECONDS.toNanos(this.settings.warmupSeconds());
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(this.settings.seconds());
        measureFrom.set(warmupEnd);
        for (long due = start; due < end; due += periodNanos) {
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            List<Event> events = nextUpload();
            source.submit(events)
                    .subscribe((acceptance) -> submissions.accepted().addAndGet(acceptance.eventCount()),
                            (error) -> submissions.rejected().addAndGet(events.size()));
        }
        return submissions;
    }

    private List<Event> nextUpload() {
        long submitted = System.nanoTime();
        List<Event> events = new ArrayList<>(this.settings.eventsPerUpload());
        for (JsonNode node : this.uploads.upload(this.settings.eventsPerUpload()).path("events")) {
            ObjectNode event = (ObjectNode) node;
            event.withObjectProperty("event_properties").put(SUBMITTED_NANOS, submitted);
            events.add(Event.ofOwned(CONTEXT, event));
        }
        return events;
    }

    private void record(byte[] body, Histogram latencies, long measureFrom) {
        long now = System.nanoTime();
        for (JsonNode event : this.mapper.readTree(body).path("events")) {
            long submitted = event.path("event_properties").path(SUBMITTED_NANOS).asLong();
            if (submitted >= measureFrom) {
                latencies.recordValue(Math.min(now - submitted, MAX_LATENCY_NANOS));
            }
        }
    }

    /** Waits, at most {@link #DRAIN_TIMEOUT}, until the healthy endpoint has every accepted event. */
    private static void awaitDelivery(StandInEndpoint healthy, long accepted) {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (healthy.events() < accepted && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        if (healthy.events() < accepted) {
            System.out.printf("WARNING: the healthy endpoint received %d of %d accepted events within %s%n",
                    healthy.events(), accepted, DRAIN_TIMEOUT);
        }
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }

    void runAll() {
        // The first phases of a fresh JVM measure the JIT compiler, not the pipeline: discard one of each.
        for (boolean otherFails : List.of(false, true)) {
            System.out.println("warm-up, " + describe(0, run(otherFails)));
        }
        List<PhaseResult> results = new ArrayList<>();
        for (int repeat = 0; repeat < this.settings.repeats(); repeat++) {
            // Alternate which mode goes first, so that neither always runs on a colder JVM.
            boolean failingFirst = repeat % 2 == 1;
            for (boolean otherFails : List.of(failingFirst, !failingFirst)) {
                PhaseResult result = run(otherFails);
                System.out.println(describe(repeat + 1, result));
                results.add(result);
            }
        }
        summarize(results);
    }

    private static String describe(int repeat, PhaseResult result) {
        return String.format("run %d, %-28s p50 %8.1f ms  p99 %8.1f ms  max %8.1f ms  measured %d  accepted %d"
                + "  rejected %d  requests to the other endpoint %d", repeat, mode(result.otherFails()),
                result.p50(), result.p99(), result.max(), result.measured(), result.accepted(), result.rejected(),
                result.otherRequests());
    }

    private static String mode(boolean otherFails) {
        return otherFails ? "other destination 503:" : "both destinations healthy:";
    }

    private void summarize(List<PhaseResult> results) {
        List<PhaseResult> healthy = results.stream().filter((result) -> !result.otherFails()).toList();
        List<PhaseResult> failing = results.stream().filter(PhaseResult::otherFails).toList();
        double healthyP99 = median(healthy, PhaseResult::p99);
        double failingP99 = median(failing, PhaseResult::p99);
        System.out.println();
        System.out.printf("| mode | p50 ms | p99 ms | max ms |%n|---|---|---|---|%n");
        System.out.printf("| both destinations healthy | %.1f | %.1f | %.1f |%n", median(healthy, PhaseResult::p50),
                healthyP99, median(healthy, PhaseResult::max));
        System.out.printf("| other destination answers 503 | %.1f | %.1f | %.1f |%n",
                median(failing, PhaseResult::p50), failingP99, median(failing, PhaseResult::max));
        double ratio = failingP99 / healthyP99;
        System.out.printf("%nmedian p99 ratio (503 / healthy): %.2f, target at most 1.2: %s%n", ratio,
                (ratio <= 1.2) ? "PASS" : "FAIL");
    }

    private static double median(List<PhaseResult> results, ToDoubleFunction<PhaseResult> figure) {
        List<Double> sorted = results.stream()
                .map(figure::applyAsDouble)
                .sorted(Comparator.naturalOrder())
                .toList();
        int middle = sorted.size() / 2;
        return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    /**
     * Runs the scenario. Options, each {@code --name value}: {@code seconds} measured per phase
     * (20), {@code warmup-seconds} per phase (5), {@code rate} in events per second (2000),
     * {@code events-per-upload} (10), {@code repeats} of each mode (3), {@code batch-max-events}
     * (500) and {@code batch-max-wait-ms} (1000), the router's defaults for Amplitude, and
     * {@code spool-capacity} (100000), the router's default.
     */
    public static void main(String[] args) {
        Settings settings = Settings.from(Arguments.parse(args));
        System.out.println("Isolation scenario: " + settings);
        new IsolationScenario(settings).runAll();
    }

}
