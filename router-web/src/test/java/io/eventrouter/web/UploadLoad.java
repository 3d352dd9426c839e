package io.eventrouter.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Uploads batches of events to the router's {@code /2/httpapi} from a few threads, the way an SDK
 * does, and remembers the insert id of every event the router accepted with 200. Each thread stops
 * after its request budget, at the first connection failure (the router was killed), or when
 * stopped.
 */
final class UploadLoad implements AutoCloseable {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();

    private final AtomicLong acknowledgedBytes = new AtomicLong();

    private final AtomicLong unavailable = new AtomicLong();

    private final AtomicLong retryAfterSeconds = new AtomicLong(-1);

    private final AtomicBoolean stopped = new AtomicBoolean();

    private final ExecutorService threads;

    private final List<Future<?>> running = new ArrayList<>();

    private final String name;

    private final int eventsPerRequest;

    private final int paddingBytes;

    private UploadLoad(String name, int threads, int eventsPerRequest, int paddingBytes) {
        this.name = name;
        this.threads = Executors.newFixedThreadPool(threads);
        this.eventsPerRequest = eventsPerRequest;
        this.paddingBytes = paddingBytes;
    }

    /** Starts {@code threads} uploaders, each sending up to {@code maxRequests} requests. */
    static UploadLoad start(URI endpoint, String name, int threads, int maxRequests, int eventsPerRequest,
            int paddingBytes) {
        UploadLoad load = new UploadLoad(name, threads, eventsPerRequest, paddingBytes);
        for (int thread = 0; thread < threads; thread++) {
            int id = thread;
            load.running.add(load.threads.submit(() -> load.upload(endpoint, id, maxRequests)));
        }
        return load;
    }

    private void upload(URI endpoint, int thread, int maxRequests) {
        for (int request = 0; request < maxRequests && !this.stopped.get(); request++) {
            List<String> insertIds = new ArrayList<>();
            String body = body(thread, request, insertIds);
            HttpRequest upload = HttpRequest.newBuilder(endpoint)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            try {
                HttpResponse<String> response = this.client.send(upload, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    this.acknowledged.addAll(insertIds);
                    this.acknowledgedBytes.addAndGet(body.length());
                }
                else if (response.statusCode() == 503) {
                    this.unavailable.incrementAndGet();
                    response.headers().firstValueAsLong("Retry-After").ifPresent(this.retryAfterSeconds::set);
                    request--;
                    // An SDK backs off before it resends; a short pause keeps the test quick.
                    Thread.sleep(100);
                }
            }
            catch (IOException ex) {
                return;
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private String body(int thread, int request, List<String> insertIds) {
        StringBuilder body = new StringBuilder("{\"api_key\":\"key-1234567890\",\"events\":[");
        String padding = "x".repeat(this.paddingBytes);
        for (int i = 0; i < this.eventsPerRequest; i++) {
            String insertId = this.name + "-" + thread + "-" + request + "-" + i;
            insertIds.add(insertId);
            body.append((i > 0) ? "," : "")
                    .append("{\"event_type\":\"played\",\"device_id\":\"device-").append(thread)
                    .append("\",\"insert_id\":\"").append(insertId)
                    .append("\",\"event_properties\":{\"padding\":\"").append(padding).append("\"}}");
        }
        return body.append("]}").toString();
    }

    /** Returns the insert ids of every event the router accepted with 200. */
    Set<String> acknowledged() {
        return this.acknowledged;
    }

    long acknowledgedBytes() {
        return this.acknowledgedBytes.get();
    }

    /** Returns how many requests the router rejected with 503. */
    long unavailable() {
        return this.unavailable.get();
    }

    /** Returns the last Retry-After of a 503 answer in seconds, or -1 when there was none. */
    long retryAfterSeconds() {
        return this.retryAfterSeconds.get();
    }

    /** Waits for every uploader to stop on its own. */
    void awaitCompletion(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<?> future : this.running) {
            future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void close() {
        this.stopped.set(true);
        this.threads.shutdownNow();
    }

}
