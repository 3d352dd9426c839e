package io.eventrouter.samples.publisher;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.PublisherStats;

/**
 * Publishes a small story of one user over HTTP to a router, or to any Amplitude-compatible
 * endpoint: a sign-up, the user's plan as an identify, their company as a group identify, and a
 * purchase as revenue. Plain Java: the server SDK needs no framework.
 *
 * <p>Arguments: the endpoint's base URL (default {@code http://127.0.0.1:8080}) and the API key
 * (default {@code sample-api-key}).
 */
public final class ServerPublisherSample {

    private ServerPublisherSample() {
    }

    public static void main(String[] args) {
        URI endpoint = URI.create((args.length > 0) ? args[0] : "http://127.0.0.1:8080");
        String apiKey = (args.length > 1) ? args[1] : "sample-api-key";
        PublisherStats stats = run(endpoint, apiKey, System.out);
        if (stats.failed() > 0) {
            System.exit(1);
        }
    }

    /** Publishes the story and returns the publisher's counters once every event is settled. */
    static PublisherStats run(URI endpoint, String apiKey, PrintStream out) {
        // Compression stays off, so that a router which does not read gzip bodies accepts the
        // requests; Amplitude itself reads both.
        try (EventPublisher publisher = EventPublisher.builder()
                .http(endpoint)
                .apiKey(apiKey)
                .compression(false)
                .maxAttempts(3)
                .closeTimeout(Duration.ofSeconds(10))
                .build()) {
            String userId = "sample-user-1";
            List<CompletableFuture<Void>> published = List.of(
                    publisher.publishAsync(publisher.track("Signed Up")
                            .userId(userId)
                            .idempotencyKey("signup-" + userId)
                            .eventProperty("referrer", "newsletter")
                            .build()),
                    publisher.publishAsync(publisher.identify()
                            .userId(userId)
                            .set("plan", "pro")
                            .setOnce("first_plan", "pro")
                            .add("logins", 1)
                            .build()),
                    publisher.publishAsync(publisher.groupIdentify("company", "Acme")
                            .userId(userId)
                            .set("employees", 120)
                            .build()),
                    publisher.publishAsync(publisher.revenue(19.99)
                            .userId(userId)
                            .productId("pro-monthly")
                            .currency("EUR")
                            .build()));
            for (CompletableFuture<Void> result : published) {
                result.handle((done, error) -> {
                    out.println((error == null) ? "accepted" : "failed: " + error.getMessage());
                    return null;
                }).join();
            }
            PublisherStats stats = publisher.stats();
            out.println("Published to " + endpoint + ": accepted=" + stats.accepted() + " failed=" + stats.failed());
            return stats;
        }
    }

}
