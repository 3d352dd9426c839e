package io.eventrouter.bridge.throttle;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketsTests {

    private final AtomicLong nanoTime = new AtomicLong();

    @Test
    void refillsAtItsRateUpToItsBurst() {
        TokenBuckets buckets = new TokenBuckets(2, 4, 10, this.nanoTime::get);

        assertThat(buckets.tryTake("a", 4)).isTrue();
        assertThat(buckets.tryTake("a", 1)).isFalse();
        this.nanoTime.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(buckets.tryTake("a", 1)).isTrue();
        this.nanoTime.addAndGet(Duration.ofSeconds(60).toNanos());
        assertThat(buckets.available("a")).isEqualTo(4);
    }

    @Test
    void keepsKeysApart() {
        TokenBuckets buckets = new TokenBuckets(1, 1, 10, this.nanoTime::get);

        buckets.tryTake("a", 1);

        assertThat(buckets.tryTake("b", 1)).isTrue();
    }

    @Test
    void passesNewKeysWhenTrackingIsFull() {
        TokenBuckets buckets = new TokenBuckets(1, 1, 2, this.nanoTime::get);
        buckets.tryTake("a", 1);
        buckets.tryTake("b", 1);

        assertThat(buckets.tryTake("c", 1)).isTrue();
        assertThat(buckets.tryTake("c", 1)).isTrue();
    }

    @Test
    void forgetsFullBucketsToMakeRoom() {
        TokenBuckets buckets = new TokenBuckets(1, 1, 2, this.nanoTime::get);
        buckets.tryTake("a", 1);
        buckets.tryTake("b", 1);
        this.nanoTime.addAndGet(Duration.ofSeconds(2).toNanos());

        assertThat(buckets.tryTake("c", 1)).isTrue();
        assertThat(buckets.tryTake("c", 1)).isFalse();
    }

}
