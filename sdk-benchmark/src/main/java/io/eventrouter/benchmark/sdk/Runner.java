package io.eventrouter.benchmark.sdk;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import javax.net.ssl.HttpsURLConnection;

import com.amplitude.Amplitude;
import com.amplitude.AmplitudeCallbacks;
import com.amplitude.AmplitudeLog;
import io.eventrouter.core.event.Event;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.PublisherStats;
import org.json.JSONObject;

/**
 * Publishes events of one shape through one SDK to the {@link Endpoint} and prints one result
 * line. Each configuration runs in a fresh JVM started by {@code run.sh}.
 *
 * <pre>
 * Runner ours PORT EVENTS WARMUP               our SDK, HTTP transport, default settings
 * Runner amplitude PORT EVENTS WARMUP BATCH    Amplitude Java SDK 1.13.0, upload threshold BATCH
 * Runner outage PORT OUTAGE_SECONDS RATE CAPACITY   our SDK with REJECT through an outage
 * </pre>
 *
 * Throughput is events divided by the time from the first publish until the endpoint has
 * acknowledged every event. Allocation per event is what every thread of this JVM allocated over
 * that span, building the events included, divided by the events; CPU time per event likewise.
 */
public final class Runner {

    private static final String API_KEY = "benchmark-api-key-0000000000000000";

    private Runner() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int port = Integer.parseInt(args[1]);
        switch (mode) {
            case "ours" -> ours(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "amplitude" -> amplitude(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            case "outage" -> Outage.run(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("Unknown mode " + mode);
        }
        System.exit(0);
    }

    static Event ourEvent(EventPublisher publisher, String run, long i) {
        return publisher.track("Order Completed")
                .userId("user-" + (i % 1000))
                .deviceId("device-" + (i % 1000))
                .insertId(run + "-" + i)
                .eventProperty("product_id", "sku-" + (i % 500))
                .eventProperty("category", "books")
                .eventProperty("price", 12.5)
                .eventProperty("quantity", (int) (i % 5) + 1)
                .eventProperty("currency", "EUR")
                .eventProperty("coupon", "SPRING")
                .eventProperty("first_purchase", i % 7 == 0)
                .eventProperty("page", "/checkout")
                .eventProperty("referrer", "https://shop.example.com/cart")
                .eventProperty("cart_size", 3)
                .build();
    }

    private static com.amplitude.Event amplitudeEvent(String run, long i) {
        com.amplitude.Event event = new com.amplitude.Event("Order Completed", "user-" + (i % 1000));
        event.deviceId = "device-" + (i % 1000);
        event.insertId = run + "-" + i;
        JSONObject properties = new JSONObject();
        properties.put("product_id", "sku-" + (i % 500));
        properties.put("category", "books");
        properties.put("price", 12.5);
        properties.put("quantity", (int) (i % 5) + 1);
        properties.put("currency", "EUR");
        properties.put("coupon", "SPRING");
        properties.put("first_purchase", i % 7 == 0);
        properties.put("page", "/checkout");
        properties.put("referrer", "https://shop.example.com/cart");
        properties.put("cart_size", 3);
        event.eventProperties = properties;
        return event;
    }

    private static void ours(int port, int events, int warmup) throws Exception {
        EventPublisher.Builder builder = EventPublisher.builder()
                .http(URI.create("https://127.0.0.1:" + port))
                .apiKey(API_KEY)
                .sslContext(Tls.trusting());
        // For trying other settings; the recorded runs use the defaults.
        if (Integer.getInteger("benchmark.maxBatchEvents") != null) {
            builder.maxBatchEvents(Integer.getInteger("benchmark.maxBatchEvents"));
        }
        if (Integer.getInteger("benchmark.maxRequestsInFlight") != null) {
            builder.maxRequestsInFlight(Integer.getInteger("benchmark.maxRequestsInFlight"));
        }
        try (EventPublisher publisher = builder.build()) {
            int capacity = 10_000;
            Control control = new Control(port);
            control.post("/reset");
            publishOurs(publisher, "warm", warmup, capacity);
            long warmupConnections = control.connections();
            control.post("/reset");
            AllocationMeter meter = new AllocationMeter();
            meter.start();
            long cpu = cpuNanos();
            long start = System.nanoTime();
            publishOurs(publisher, "run", events, capacity);
            long nanos = System.nanoTime() - start;
            long bytes = meter.stop();
            PublisherStats stats = publisher.stats();
            report("ours", events, nanos, bytes, cpuNanos() - cpu, control, warmupConnections, stats.failed());
        }
    }

    /**
     * Publishes without subscribing, as fire-and-forget callers do, and keeps below the buffer
     * capacity instead of collecting rejections, then waits for every event to be settled.
     */
    private static void publishOurs(EventPublisher publisher, String run, int events, int capacity) {
        long settledBefore = settled(publisher.stats());
        for (long i = 0; i < events; i++) {
            // stats() makes an object, so the loop reads it every 64 publishes only.
            while (i % 64 == 0 && publisher.stats().pending() >= capacity - 64) {
                LockSupport.parkNanos(20_000);
            }
            publisher.publish(ourEvent(publisher, run, i));
        }
        publisher.flush().block(Duration.ofMinutes(5));
        while (settled(publisher.stats()) - settledBefore < events) {
            LockSupport.parkNanos(100_000);
        }
    }

    private static long settled(PublisherStats stats) {
        return stats.accepted() + stats.failed();
    }

    private static void amplitude(int port, int events, int warmup, int batch) throws Exception {
        HttpsURLConnection.setDefaultSSLSocketFactory(Tls.trusting().getSocketFactory());
        LongAdder answered = new LongAdder();
        LongAdder failed = new LongAdder();
        Amplitude amplitude = Amplitude.getInstance("benchmark");
        amplitude.setServerUrl("https://127.0.0.1:" + port + "/2/httpapi");
        amplitude.setLogMode(AmplitudeLog.LogMode.ERROR);
        if (batch != 10) {
            amplitude.setEventUploadThreshold(batch);
        }
        amplitude.setCallbacks(new AmplitudeCallbacks() {
            @Override
            public void onLogEventServerResponse(com.amplitude.Event event, int status, String message) {
                answered.increment();
                if (status != 200) {
                    failed.increment();
                }
            }
        });
        amplitude.init(API_KEY);
        Control control = new Control(port);
        control.post("/reset");
        publishAmplitude(amplitude, answered, "warm", warmup);
        long warmupConnections = control.connections();
        control.post("/reset");
        AllocationMeter meter = new AllocationMeter();
        meter.start();
        long cpu = cpuNanos();
        long start = System.nanoTime();
        publishAmplitude(amplitude, answered, "run", events);
        long nanos = System.nanoTime() - start;
        long bytes = meter.stop();
        report("amplitude-" + batch, events, nanos, bytes, cpuNanos() - cpu, control, warmupConnections,
                failed.sum());
        amplitude.shutdown();
    }

    private static void publishAmplitude(Amplitude amplitude, LongAdder answered, String run, int events) {
        long before = answered.sum();
        for (long i = 0; i < events; i++) {
            amplitude.logEvent(amplitudeEvent(run, i));
        }
        amplitude.flushEvents();
        while (answered.sum() - before < events) {
            LockSupport.parkNanos(100_000);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * Prints the result line. {@code uploads} counts the requests the endpoint accepted during
     * the measured run, and {@code connections} the TLS connections it accepted then.
     * {@code warmup_connections} counts the connections of the warm-up before it.
     */
    private static void report(String name, int events, long nanos, long bytes, long cpu, Control control,
            long warmupConnections, long failed) throws Exception {
        double seconds = nanos / 1e9;
        System.out.printf(Locale.ROOT, "RESULT %s events=%d seconds=%.3f events_per_s=%.0f bytes_per_event=%.0f "
                + "cpu_us_per_event=%.1f received=%d failed=%d uploads=%d connections=%d warmup_connections=%d%n",
                name, events, seconds, events / seconds, (double) bytes / events, cpu / 1e3 / events,
                control.received(), failed, control.uploads(), control.connections(), warmupConnections);
    }

    /** Reads and switches the endpoint, outside what is measured. */
    static final class Control {

        private final HttpClient client = HttpClient.newBuilder().sslContext(Tls.trusting()).build();

        private final int port;

        Control(int port) {
            this.port = port;
        }

        String post(String path) throws Exception {
            return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()).build());
        }

        long received() throws Exception {
            return Long.parseLong(stats()[0]);
        }

        long distinct() throws Exception {
            return Long.parseLong(stats()[1]);
        }

        long connections() throws Exception {
            return Long.parseLong(stats()[2]);
        }

        long uploads() throws Exception {
            return Long.parseLong(stats()[3]);
        }

        private String[] stats() throws Exception {
            return send(HttpRequest.newBuilder(uri("/stats")).build()).split(" ");
        }

        private String send(HttpRequest request) throws Exception {
            return this.client.send(request, HttpResponse.BodyHandlers.ofString()).body();
        }

        private URI uri(String path) {
            return URI.create("https://127.0.0.1:" + this.port + path);
        }

    }

}
