package io.eventrouter.sdk.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the HTTP transport; {@link Builder} checks each value and {@link Builder#build()}
 * their combination.
 *
 * @param maxBatchEvents maximum number of events in one request
 * @param maxBatchWait maximum time an event waits for its batch to fill
 * @param maxRequestsInFlight maximum number of requests awaiting a response at once
 * @param requestTimeout maximum time from sending a request to its response
 * @param maxAttempts maximum number of sends of one event, the first included
 * @param initialBackoff wait before the first retry, doubled for each later one
 * @param maxBackoff maximum wait between two attempts
 * @param throttlePause wait of events the endpoint throttles
 * @param compression whether request bodies are gzip-compressed
 * @param batchApi whether to post to {@code /batch} instead of {@code /2/httpapi}
 */
public record HttpSettings(int maxBatchEvents, Duration maxBatchWait, int maxRequestsInFlight,
        Duration requestTimeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
        Duration throttlePause, boolean compression, boolean batchApi) {

    /** Amplitude rejects requests of more than 2000 events with 413. */
    static final int AMPLITUDE_MAX_EVENTS = 2000;

    /**
     * Largest JSON body sent to {@code /2/httpapi}: Amplitude documents requests "under 1 MB", so
     * this stays under both readings of a megabyte. Counted before compression, as the router's
     * client bridge counts after inflating.
     */
    static final int HTTP_API_MAX_BODY_BYTES = 1_000_000;

    /** Largest JSON body sent to {@code /batch}, which Amplitude documents as 20 MB. */
    static final int BATCH_API_MAX_BODY_BYTES = 20_000_000;

    public static Builder builder() {
        return new Builder();
    }

    /** Returns the largest JSON body the endpoint's API takes, in bytes. */
    int maxBodyBytes() {
        return this.batchApi ? BATCH_API_MAX_BODY_BYTES : HTTP_API_MAX_BODY_BYTES;
    }

    /** Returns the wait before attempt {@code attempt + 1}, honouring a longer wait the endpoint asked for. */
    Duration backoff(int attempt, Duration requested) {
        long doublings = Math.min(attempt - 1, 30);
        Duration exponential = this.initialBackoff.multipliedBy(1L << doublings);
        Duration capped = (exponential.compareTo(this.maxBackoff) > 0) ? this.maxBackoff : exponential;
        return (requested.compareTo(capped) > 0) ? requested : capped;
    }

    /** Collects the settings; every setter rejects a value out of range. */
    public static final class Builder {

        // A server publishes far more events than a browser, so it fills large batches quickly:
        // 1000 events of a typical 300 to 500 bytes each stay well under the 1 MB body limit, and
        // a larger body is split before it is sent.
        private int maxBatchEvents = 1000;

        private Duration maxBatchWait = Duration.ofMillis(100);

        private int maxRequestsInFlight = 4;

        private Duration requestTimeout = Duration.ofSeconds(10);

        // The backoff of 200 ms doubling to 30 s spreads ten attempts over about 80 s. That
        // outlasts a router's restart, about 6 s in a trial.
        private int maxAttempts = 10;

        private Duration initialBackoff = Duration.ofMillis(200);

        private Duration maxBackoff = Duration.ofSeconds(30);

        private Duration throttlePause = Duration.ofSeconds(30);

        private boolean compression = true;

        private boolean batchApi;

        private Builder() {
        }

        public Builder maxBatchEvents(int maxBatchEvents) {
            if (maxBatchEvents < 1 || maxBatchEvents > AMPLITUDE_MAX_EVENTS) {
                throw new IllegalArgumentException("maxBatchEvents must be between 1 and " + AMPLITUDE_MAX_EVENTS
                        + ", but was " + maxBatchEvents);
            }
            this.maxBatchEvents = maxBatchEvents;
            return this;
        }

        public Builder maxBatchWait(Duration maxBatchWait) {
            this.maxBatchWait = requireNotNegative(maxBatchWait, "maxBatchWait");
            return this;
        }

        public Builder maxRequestsInFlight(int maxRequestsInFlight) {
            if (maxRequestsInFlight < 1) {
                throw new IllegalArgumentException("maxRequestsInFlight must be at least 1, but was "
                        + maxRequestsInFlight);
            }
            this.maxRequestsInFlight = maxRequestsInFlight;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requirePositive(requestTimeout, "requestTimeout");
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, but was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = requireNotNegative(initialBackoff, "initialBackoff");
            return this;
        }

        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = requireNotNegative(maxBackoff, "maxBackoff");
            return this;
        }

        public Builder throttlePause(Duration throttlePause) {
            this.throttlePause = requireNotNegative(throttlePause, "throttlePause");
            return this;
        }

        public Builder compression(boolean compression) {
            this.compression = compression;
            return this;
        }

        public Builder batchApi(boolean batchApi) {
            this.batchApi = batchApi;
            return this;
        }

        /**
         * @throws IllegalStateException when {@code maxBackoff} is shorter than {@code initialBackoff}
         */
        public HttpSettings build() {
            if (this.maxBackoff.compareTo(this.initialBackoff) < 0) {
                throw new IllegalStateException("maxBackoff (" + this.maxBackoff
                        + ") must not be shorter than initialBackoff (" + this.initialBackoff + ")");
            }
            return new HttpSettings(this.maxBatchEvents, this.maxBatchWait, this.maxRequestsInFlight,
                    this.requestTimeout, this.maxAttempts, this.initialBackoff, this.maxBackoff,
                    this.throttlePause, this.compression, this.batchApi);
        }

        private static Duration requireNotNegative(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, but was " + value);
            }
            return value;
        }

        private static Duration requirePositive(Duration value, String name) {
            if (requireNotNegative(value, name).isZero()) {
                throw new IllegalArgumentException(name + " must be positive, but was " + value);
            }
            return value;
        }

    }

}
