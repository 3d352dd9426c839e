package io.eventrouter.bridge.throttle;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One token bucket per key (an IP address, an API key, a device id): {@code ratePerSecond}
 * tokens flow in each second, up to {@code capacity}. Thread-safe.
 *
 * <p>Memory is bounded: at {@code maxKeys} the buckets that have refilled completely are
 * forgotten, since a full bucket is what a new key starts with; if every bucket is still
 * draining, new keys pass unlimited until some refill, so that a flood of distinct keys costs
 * the bridge no memory.
 */
public final class TokenBuckets {

    private final double ratePerSecond;

    private final double capacity;

    private final int maxKeys;

    private final LongSupplier nanoTime;

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * @param ratePerSecond tokens added per second
     * @param burst the maximum number of tokens in a bucket
     * @param maxKeys the maximum number of keys tracked at once
     * @param nanoTime a monotonic clock, {@link System#nanoTime} outside tests
     */
    public TokenBuckets(double ratePerSecond, double burst, int maxKeys, LongSupplier nanoTime) {
        if (!(ratePerSecond > 0) || !(burst >= 1)) {
            throw new IllegalArgumentException("A token bucket needs a positive rate and a burst of at least 1, but got rate "
                    + ratePerSecond + " and burst " + burst);
        }
        this.ratePerSecond = ratePerSecond;
        this.capacity = burst;
        this.maxKeys = maxKeys;
        this.nanoTime = nanoTime;
    }

    /** Returns the tokens in the bucket of {@code key} now, without taking any. */
    public double available(String key) {
        Bucket bucket = this.buckets.get(key);
        return (bucket != null) ? bucket.refilled(this.nanoTime.getAsLong()) : this.capacity;
    }

    /** Takes {@code tokens} from the bucket of {@code key} if it contains that many, and returns whether it did. */
    public boolean tryTake(String key, double tokens) {
        long now = this.nanoTime.getAsLong();
        if (!this.buckets.containsKey(key) && this.buckets.size() >= this.maxKeys) {
            forgetFullBuckets(now);
            if (this.buckets.size() >= this.maxKeys) {
                return true;
            }
        }
        boolean[] took = new boolean[1];
        this.buckets.compute(key, (name, bucket) -> {
            Bucket current = (bucket != null) ? bucket : new Bucket(this.capacity, now);
            double level = current.refilled(now);
            took[0] = level >= tokens;
            return new Bucket(took[0] ? level - tokens : level, now);
        });
        return took[0];
    }

    /** Returns the time an empty bucket takes to refill one token. */
    public Duration refillTime() {
        return Duration.ofNanos((long) Math.ceil(1_000_000_000L / this.ratePerSecond));
    }

    private void forgetFullBuckets(long now) {
        this.buckets.entrySet().removeIf((entry) -> entry.getValue().refilled(now) >= this.capacity);
    }

    private final class Bucket {

        private final double tokens;

        private final long updatedNanos;

        Bucket(double tokens, long updatedNanos) {
            this.tokens = tokens;
            this.updatedNanos = updatedNanos;
        }

        double refilled(long now) {
            double elapsedSeconds = Math.max(0, now - this.updatedNanos) / 1e9;
            return Math.min(TokenBuckets.this.capacity, this.tokens + elapsedSeconds * TokenBuckets.this.ratePerSecond);
        }

    }

}
