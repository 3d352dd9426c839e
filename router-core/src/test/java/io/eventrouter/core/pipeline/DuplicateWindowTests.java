package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DuplicateWindowTests {

    private final AtomicLong now = new AtomicLong();

    @Test
    void recognisesAKeyItHoldsAlready() {
        DuplicateWindow window = new DuplicateWindow(10, Duration.ofMinutes(1), this.now::get);

        assertThat(window.claim(42)).isTrue();
        assertThat(window.claim(42)).isFalse();
    }

    @Test
    void forgetsTheOldestKeyWhenFull() {
        DuplicateWindow window = new DuplicateWindow(3, Duration.ofMinutes(1), this.now::get);
        window.claim(1);
        window.claim(2);
        window.claim(3);

        window.claim(4);

        assertThat(window.claim(2)).isFalse();
        assertThat(window.claim(1)).isTrue();
    }

    @Test
    void forgetsKeysOlderThanTheMaximumAge() {
        DuplicateWindow window = new DuplicateWindow(10, Duration.ofSeconds(1), this.now::get);
        window.claim(1);

        this.now.addAndGet(Duration.ofSeconds(2).toNanos());

        assertThat(window.claim(1)).isTrue();
        assertThat(window.size()).isEqualTo(1);
    }

    @Test
    void acceptsAReleasedKeyAgainAndKeepsItPastTheReleasedEntry() {
        DuplicateWindow window = new DuplicateWindow(2, Duration.ofMinutes(1), this.now::get);
        window.claim(1);
        window.release(1);
        assertThat(window.claim(1)).isTrue();

        // Evicts the released entry of key 1; the newer claim of key 1 must stay.
        window.claim(2);

        assertThat(window.claim(1)).isFalse();
    }

    @Test
    void keepsEveryKeyFindableAfterManyEvictions() {
        DuplicateWindow window = new DuplicateWindow(1000, Duration.ofMinutes(1), this.now::get);
        for (long key = 1; key <= 50_000; key++) {
            window.claim(key * 0x9E3779B97F4A7C15L);
        }

        for (long key = 49_001; key <= 50_000; key++) {
            assertThat(window.claim(key * 0x9E3779B97F4A7C15L)).isFalse();
        }
        assertThat(window.claim(48_000 * 0x9E3779B97F4A7C15L)).isTrue();
    }

    @Test
    void keysEventsByApiKeyIdentityAndInsertId() {
        Event event = Event.builder("played").apiKey("key-1234567890").deviceId("device-1").insertId("a").build();

        assertThat(DuplicateWindow.fingerprint(event)).isEqualTo(DuplicateWindow.fingerprint(event));
        assertThat(DuplicateWindow.fingerprint(event))
                .isNotEqualTo(DuplicateWindow.fingerprint(Event.builder("played").apiKey("key-1234567890")
                        .deviceId("device-2").insertId("a").build()))
                .isNotEqualTo(DuplicateWindow.fingerprint(Event.builder("played").apiKey("key-0987654321")
                        .deviceId("device-1").insertId("a").build()));
        assertThat(DuplicateWindow.fingerprint(Event.builder("played").apiKey("key-1234567890").build())).isZero();
    }

}
