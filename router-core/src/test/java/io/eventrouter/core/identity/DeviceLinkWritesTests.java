package io.eventrouter.core.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceLinkWritesTests {

    private static final long START = Instant.parse("2026-12-05T12:00:00Z").toEpochMilli();

    private final CountingStore store = new CountingStore(EmbeddedIdentityStore.inMemory(1000));

    private final IdentityStitcher stitcher = IdentityStitcher.builder(this.store).build();

    @AfterEach
    void closeStore() {
        this.store.close();
    }

    @Test
    void writesUnchangedLinkOncePerMinute() {
        stitch("alice", START);
        stitch("alice", START + 1_000);
        stitch("alice", START + 59_000);
        int withinTheMinute = this.store.deviceLinkWrites.get();
        stitch("alice", START + 61_000);
        int afterTheMinute = this.store.deviceLinkWrites.get();
        stitch("bob", START + 62_000);

        assertThat(withinTheMinute).isEqualTo(1);
        assertThat(afterTheMinute).isEqualTo(2);
        assertThat(this.store.deviceLinkWrites.get()).isEqualTo(3);
        assertThat(this.store.findDeviceLinkNow(this.stitcher.scope(RequestContext.of("key-0123456789")), "device-1"))
                .isEqualTo(new DeviceLink("bob", START + 62_000));
    }

    private void stitch(String userId, long time) {
        Event event = Event.builder("click").apiKey("key-0123456789").deviceId("device-1").userId(userId)
                .sessionId(START).time(time).build();
        this.stitcher.stitch(event).block(Duration.ofSeconds(5));
    }

    /** Counts the device links written through the direct path, delegating everything. */
    private static final class CountingStore implements SynchronousIdentityStore {

        private final EmbeddedIdentityStore delegate;

        final AtomicInteger deviceLinkWrites = new AtomicInteger();

        CountingStore(EmbeddedIdentityStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public @Nullable IdentityLink findNow(IdentityScope scope, LinkKind kind, String id) {
            return this.delegate.findNow(scope, kind, id);
        }

        @Override
        public void recordNow(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
            if (kind == LinkKind.DEVICE_USER) {
                this.deviceLinkWrites.incrementAndGet();
            }
            this.delegate.recordNow(scope, kind, id, link);
        }

        @Override
        public void prefetch(IdentityScope scope, List<LinkKey> links) {
            this.delegate.prefetch(scope, links);
        }

        @Override
        public Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id) {
            return this.delegate.find(scope, kind, id);
        }

        @Override
        public Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
            return this.delegate.record(scope, kind, id, link);
        }

        @Override
        public void close() {
            this.delegate.close();
        }

    }

}
