package io.eventrouter.core.log;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WarningIntervalTests {

    private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

    @Test
    void warnsFirstThenOncePerInterval() {
        AtomicLong clock = new AtomicLong(5);
        WarningInterval warnings = new WarningInterval(Duration.ofMinutes(1), clock::get);

        assertThat(warnings.record(3)).isEqualTo(3);
        clock.addAndGet(MINUTE_NANOS - 1);
        assertThat(warnings.record(1)).isZero();
        assertThat(warnings.record(2)).isZero();
        clock.incrementAndGet();
        assertThat(warnings.record(1)).isEqualTo(4);
        assertThat(warnings.record(1)).isZero();
    }

}
