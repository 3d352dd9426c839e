package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long the pipeline keeps retrying events a destination could not take, and how it spaces
 * the attempts. The retry budget of an event is spent when {@code maxAttempts} of its
 * deliveries have failed or when its first attempt is {@code maxAge} old, whichever comes
 * first. Then it goes to the dead-letter store. Pauses that a destination requests while it
 * throttles a device or user count against the age only, and so do resends of events the
 * destination did not take only because it rejected others in their batch.
 *
 * <p>Waits grow exponentially from {@code initialBackoff}, doubling up to {@code maxBackoff}.
 * Each wait is drawn at random from the upper half of its step, so that routers recovering
 * together do not retry in step.
 *
 * @param maxAttempts the maximum number of failed deliveries of one event
 * @param maxAge how long after its first attempt an event is still retried
 * @param initialBackoff the wait before the first retry, before jitter
 * @param maxBackoff the longest wait between two attempts
 */
public record RetryPolicy(int maxAttempts, Duration maxAge, Duration initialBackoff, Duration maxBackoff) {

    /**
     * With the default backoff of 1 s doubling to 5 min, the first nine retries take about nine
     * minutes and each later one 2.5 to 5 min, so 100 attempts last about the 6 h of the age limit.
     */
    private static final RetryPolicy DEFAULTS =
            new RetryPolicy(100, Duration.ofHours(6), Duration.ofSeconds(1), Duration.ofMinutes(5));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, but was " + maxAttempts);
        }
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive, but was " + maxAge);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || initialBackoff.compareTo(maxBackoff) > 0) {
            throw new IllegalArgumentException("initialBackoff must be between zero and maxBackoff ("
                    + maxBackoff + "), but was " + initialBackoff);
        }
    }

    /** Creates a policy with the default age limit. */
    public RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        this(maxAttempts, DEFAULTS.maxAge(), initialBackoff, maxBackoff);
    }

    /** Returns 100 attempts within 6 hours, backing off from 1 s to 5 min. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /**
     * Returns the wait before attempt {@code nextAttempt}: a random duration between half the
     * exponential step and the full step, never less than what the destination asked for.
     */
    Duration backoff(int nextAttempt, Duration requested) {
        return backoff(nextAttempt, requested, this.maxBackoff);
    }

    /**
     * Returns the wait before attempt {@code nextAttempt} as {@link #backoff(int, Duration)} does,
     * with each step at most {@code cap}.
     */
    Duration backoff(int nextAttempt, Duration requested, Duration cap) {
        int doublings = Math.min(nextAttempt - 2, 30);
        long step = Math.min(Math.min(this.maxBackoff.toMillis(), cap.toMillis()),
                this.initialBackoff.toMillis() << Math.max(doublings, 0));
        long jittered = (step <= 1) ? step : step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
        return Duration.ofMillis(Math.max(jittered, requested.toMillis()));
    }

    /** Returns whether an event first attempted at {@code firstAttempt} and tried {@code attempts} times is done. */
    boolean isExhausted(int attempts, Duration age) {
        return attempts >= this.maxAttempts || age.compareTo(this.maxAge) >= 0;
    }

}
