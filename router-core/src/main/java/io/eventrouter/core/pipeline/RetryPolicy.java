package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how long the pipeline retries events a destination could not take: exponential
 * backoff from {@code initialBackoff}, doubling up to {@code maxBackoff}. Each wait is drawn at
 * random from the upper half of its step, so that routers recovering together do not retry in
 * step.
 *
 * @param maxAttempts the most deliveries of one event, the first included
 * @param initialBackoff the wait before the first retry, before jitter
 * @param maxBackoff the longest wait between two attempts
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, but was " + maxAttempts);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || initialBackoff.compareTo(maxBackoff) > 0) {
            throw new IllegalArgumentException("initialBackoff must be between zero and maxBackoff ("
                    + maxBackoff + "), but was " + initialBackoff);
        }
    }

    public static RetryPolicy defaults() {
        return new RetryPolicy(20, Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    /**
     * Returns the wait before attempt {@code nextAttempt}: a random duration between half the
     * exponential step and the full step, never less than what the destination asked for.
     */
    Duration backoff(int nextAttempt, Duration requested) {
        int doublings = Math.min(nextAttempt - 2, 30);
        long step = Math.min(this.maxBackoff.toMillis(), this.initialBackoff.toMillis() << Math.max(doublings, 0));
        long jittered = (step <= 1) ? step : step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
        return Duration.ofMillis(Math.max(jittered, requested.toMillis()));
    }

}
