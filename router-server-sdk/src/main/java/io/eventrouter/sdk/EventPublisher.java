package io.eventrouter.sdk;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLContext;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Source;
import io.eventrouter.sdk.internal.BufferedPublisher;
import io.eventrouter.sdk.internal.HttpSettings;
import io.eventrouter.sdk.internal.HttpTransport;
import io.eventrouter.sdk.internal.InProcessTransport;
import io.eventrouter.sdk.internal.Transport;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Publishes events from server code, either straight into a router in the same JVM or over HTTP
 * to any Amplitude-compatible endpoint: another router, or Amplitude itself. Create one with
 * {@link #builder()} and share it: it is thread-safe and meant to live as long as the application.
 *
 * <pre>{@code
 * EventPublisher publisher = EventPublisher.builder()
 *         .http(URI.create("https://router.example.com"))
 *         .apiKey(apiKey)
 *         .build();
 * publisher.publish(publisher.track("Order Placed").userId("user-1").eventProperty("total", 42).build());
 * }</pre>
 *
 * <p>Publishing never waits on the calling thread for I/O or for room in the buffer. Over HTTP
 * it takes no lock: the calling thread only pushes the events onto a lock-free queue. In-process,
 * handing the events to the pipeline's source takes a short lock, which another publishing
 * thread holds for at most one queue insertion. The event is queued when {@code publish} is
 * called, whether or not anyone subscribes to the returned {@code Mono}; subscribing only
 * observes the outcome. The outcome is <em>acceptance</em>: the router's pipeline has taken the
 * event (in-process), or the endpoint answered with success (HTTP). It is not delivery to every
 * destination, which the router does afterwards. The publisher holds at most
 * {@link Builder#bufferCapacity(int)} unaccepted events; what happens beyond that is set by
 * {@link Builder#overflowPolicy(OverflowPolicy)}.
 *
 * @since 0.1.0
 */
public interface EventPublisher extends AutoCloseable {

    /**
     * Publishes one event. The {@code Mono} completes when the event is accepted and fails with
     * {@link PublishException} when it is not: the buffer is full and the policy rejects, the
     * endpoint rejected the event, every retry failed, or the publisher is closed. An event
     * without {@code insert_id} gets a random one, so destinations can recognise a resend that
     * the publisher makes after a lost response.
     *
     * @since 0.1.0
     */
    default Mono<Void> publish(Event event) {
        return publish(List.of(event));
    }

    /**
     * Publishes events together. The {@code Mono} completes when every event is accepted and
     * fails with the first {@link PublishException} otherwise; an endpoint that rejects some
     * events of a request may still have accepted the others. Events with the same API key keep
     * their order.
     *
     * @throws IllegalArgumentException when {@code events} is empty
     * @since 0.1.0
     */
    Mono<Void> publish(List<Event> events);

    /**
     * Publishes one event under an idempotency key: the event's {@code insert_id} becomes
     * {@link Events#insertId(String)} of the key, so publishing the same logical event again,
     * after a crash or a timeout, is recognised downstream as a resend. Amplitude ignores an
     * {@code insert_id} it has seen for the same device within the past 7 days.
     *
     * @since 0.1.0
     */
    default Mono<Void> publish(Event event, String idempotencyKey) {
        return publish(Events.withIdempotencyKey(event, idempotencyKey));
    }

    /**
     * Publishes one event and returns a future that completes as {@link #publish(Event)} does.
     * Cancelling the future does not withdraw the event.
     *
     * @since 0.1.0
     */
    CompletableFuture<Void> publishAsync(Event event);

    /**
     * Publishes events and returns a future that completes as {@link #publish(List)} does.
     *
     * @since 0.1.0
     */
    CompletableFuture<Void> publishAsync(List<Event> events);

    /**
     * Sends buffered events now instead of waiting for a full batch. The {@code Mono} completes
     * when every event published before the call is settled, accepted or failed; it never fails
     * itself.
     *
     * @since 0.1.0
     */
    Mono<Void> flush();

    /**
     * Flushes, waits up to {@link Builder#closeTimeout(Duration)} for the outstanding events,
     * fails those still unsettled with {@link PublishException.Reason#CLOSED} and releases the
     * publisher's threads and connections. Later publishes fail with
     * {@link PublishException.Reason#CLOSED}. This is the one method that blocks; calling it
     * again does nothing.
     *
     * @since 0.1.0
     */
    @Override
    void close();

    /**
     * Returns counters of what this publisher has done so far.
     *
     * @since 0.1.0
     */
    PublisherStats stats();

    /**
     * Returns the API key that events built through this publisher get unless they set one.
     *
     * @since 0.1.0
     */
    Optional<String> defaultApiKey();

    /**
     * Starts a tracked event with the publisher's default API key.
     *
     * @since 0.1.0
     */
    default TrackBuilder track(String eventType) {
        TrackBuilder builder = Events.track(eventType);
        defaultApiKey().ifPresent(builder::apiKey);
        return builder;
    }

    /**
     * Starts an {@code $identify} event with the publisher's default API key.
     *
     * @since 0.1.0
     */
    default IdentifyBuilder identify() {
        IdentifyBuilder builder = Events.identify();
        defaultApiKey().ifPresent(builder::apiKey);
        return builder;
    }

    /**
     * Starts a {@code $groupidentify} event with the publisher's default API key.
     *
     * @since 0.1.0
     */
    default GroupIdentifyBuilder groupIdentify(String groupType, String groupName) {
        GroupIdentifyBuilder builder = Events.groupIdentify(groupType, groupName);
        defaultApiKey().ifPresent(builder::apiKey);
        return builder;
    }

    /**
     * Starts a revenue event with the publisher's default API key.
     *
     * @since 0.1.0
     */
    default RevenueBuilder revenue(double price) {
        RevenueBuilder builder = Events.revenue(price);
        defaultApiKey().ifPresent(builder::apiKey);
        return builder;
    }

    /**
     * Returns a builder; choose a transport with {@link Builder#inProcess(Source)} or
     * {@link Builder#http(URI)}.
     *
     * @since 0.1.0
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a publisher that submits straight to a source of a pipeline in the same JVM, with
     * default settings.
     *
     * @since 0.1.0
     */
    static EventPublisher inProcess(Source source) {
        return builder().inProcess(source).build();
    }

    /**
     * Settings of a publisher. Every setter checks its value; {@link #build()} checks that a
     * transport was chosen.
     *
     * @since 0.1.0
     */
    final class Builder {

        private @Nullable Source source;

        private @Nullable URI endpoint;

        private @Nullable String apiKey;

        private int bufferCapacity = 10_000;

        private OverflowPolicy overflowPolicy = OverflowPolicy.REJECT;

        private Duration closeTimeout = Duration.ofSeconds(10);

        private @Nullable SSLContext sslContext;

        private final HttpSettings.Builder http = HttpSettings.builder();

        private Builder() {
        }

        /** Publishes into {@code source}, a source of a pipeline in the same JVM. */
        public Builder inProcess(Source source) {
            this.source = Objects.requireNonNull(source, "source");
            this.endpoint = null;
            return this;
        }

        /**
         * Publishes over HTTP to the base URL of an Amplitude-compatible endpoint; the API path
         * ({@code /2/httpapi}, or {@code /batch}) is appended to it.
         *
         * @throws IllegalArgumentException when the URL is not http or https, has no host, or has
         *         a query or a fragment, which would end up before the appended path
         */
        public Builder http(URI endpoint) {
            String scheme = Objects.requireNonNull(endpoint, "endpoint").getScheme();
            if ((!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) || endpoint.getHost() == null) {
                throw new IllegalArgumentException("endpoint must be an http or https URL with a host, but was '"
                        + endpoint + "'");
            }
            if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
                throw new IllegalArgumentException("endpoint must be a base URL without a query or fragment, "
                        + "such as http://127.0.0.1:8080, but was '" + endpoint + "'");
            }
            this.endpoint = endpoint;
            this.source = null;
            return this;
        }

        /** Sets the API key of events built through the publisher that set none themselves. */
        public Builder apiKey(String apiKey) {
            this.apiKey = Events.requireApiKey(apiKey);
            return this;
        }

        /** Sets how many published events may wait for acceptance at once; default 10,000. */
        public Builder bufferCapacity(int bufferCapacity) {
            this.bufferCapacity = requireAtLeastOne(bufferCapacity, "bufferCapacity");
            return this;
        }

        /** Sets what happens to a publish that would exceed the buffer; default {@code REJECT}. */
        public Builder overflowPolicy(OverflowPolicy overflowPolicy) {
            this.overflowPolicy = Objects.requireNonNull(overflowPolicy, "overflowPolicy");
            return this;
        }

        /** Sets how long {@link EventPublisher#close()} waits for outstanding events; default 10 s. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = requireNotNegative(closeTimeout, "closeTimeout");
            return this;
        }

        /**
         * HTTP only: sets the most events in one request; default 1000, Amplitude allows 2000. A
         * batch whose JSON would exceed the API's body limit (1 MB for {@code /2/httpapi}, 20 MB
         * for {@code /batch}) is split in halves before it is sent, as a 413 response splits it.
         * Amplitude recommends at most 10 events per request on its Starter plan.
         */
        public Builder maxBatchEvents(int maxBatchEvents) {
            this.http.maxBatchEvents(maxBatchEvents);
            return this;
        }

        /** HTTP only: sets how long an event may wait for its batch to fill; default 100 ms. */
        public Builder maxBatchWait(Duration maxBatchWait) {
            this.http.maxBatchWait(maxBatchWait);
            return this;
        }

        /** HTTP only: sets how many requests may be in flight at once; default 4. */
        public Builder maxRequestsInFlight(int maxRequestsInFlight) {
            this.http.maxRequestsInFlight(maxRequestsInFlight);
            return this;
        }

        /** HTTP only: sets how long one request may take until its response arrives; default 10 s. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.http.requestTimeout(requestTimeout);
            return this;
        }

        /** HTTP only: sets how many times one event is sent at most, the first included. Default 10. */
        public Builder maxAttempts(int maxAttempts) {
            this.http.maxAttempts(maxAttempts);
            return this;
        }

        /** HTTP only: sets the wait before the first retry, doubled for each later one; default 200 ms. */
        public Builder initialBackoff(Duration initialBackoff) {
            this.http.initialBackoff(initialBackoff);
            return this;
        }

        /** HTTP only: sets the longest wait between two attempts; default 30 s. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.http.maxBackoff(maxBackoff);
            return this;
        }

        /**
         * HTTP only: sets how long events of a device or user that the endpoint throttles (429)
         * wait before they are sent again. The default is 30 s, which Amplitude's documentation
         * requests, and a longer {@code Retry-After} wins.
         */
        public Builder throttlePause(Duration throttlePause) {
            this.http.throttlePause(throttlePause);
            return this;
        }

        /**
         * HTTP only: sets whether request bodies are gzip-compressed; default true. Amplitude
         * accepts gzip; turn it off for an endpoint that does not.
         */
        public Builder compression(boolean compression) {
            this.http.compression(compression);
            return this;
        }

        /**
         * HTTPS only: sets the TLS context of the connections; default: the JVM's default context.
         * Use it for an endpoint whose certificate the JVM's trust store does not hold, such as a
         * router in a private network with its own certificate authority.
         *
         * @since 0.1.0
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /** HTTP only: posts to {@code /batch} instead of {@code /2/httpapi}; default false. */
        public Builder batchApi(boolean batchApi) {
            this.http.batchApi(batchApi);
            return this;
        }

        /**
         * Builds the publisher; an HTTP publisher starts its sending thread here.
         *
         * @throws IllegalStateException when neither {@link #inProcess} nor {@link #http} was called,
         *         or when a setting contradicts another
         */
        public EventPublisher build() {
            Transport transport;
            if (this.source != null) {
                transport = new InProcessTransport(this.source);
            }
            else if (this.endpoint != null) {
                transport = new HttpTransport(this.endpoint, this.http.build(), this.sslContext);
            }
            else {
                throw new IllegalStateException("Choose a transport: call inProcess(source) or http(endpoint)");
            }
            return new BufferedPublisher(transport, this.apiKey, this.bufferCapacity, this.overflowPolicy,
                    this.closeTimeout);
        }

        private static int requireAtLeastOne(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, but was " + value);
            }
            return value;
        }

        private static Duration requireNotNegative(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, but was " + value);
            }
            return value;
        }

    }

}
