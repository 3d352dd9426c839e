package io.eventrouter.core.identity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.eventrouter.core.event.Event;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/** How the stitcher uses a {@link SynchronousIdentityStore} for the events of one call. */
class BatchedStitchingTests {

    private static final String API_KEY = "project-one-api-key";

    private static final long NOW = Instant.parse("2026-12-04T12:00:00Z").toEpochMilli();

    private final EmbeddedIdentityStore embedded = EmbeddedIdentityStore.inMemory(10_000);

    @AfterEach
    void closeStore() {
        this.embedded.close();
    }

    @Test
    void prefetchesAllLinksBeforeFirstLookup() {
        RecordingStore store = new RecordingStore(this.embedded, false);
        List<Event> batch = List.of(
                browser("login").deviceId("browser-d1").userId("alice").build(),
                browser("click").deviceId("browser-d1").build(),
                Event.builder("invoice_paid").apiKey(API_KEY).userId("bob").build());

        IdentityStitcher.builder(store).build().stitch(batch).block();

        assertThat(store.calls.get(0)).isEqualTo("prefetch [USER_ACTIVITY alice, DEVICE_USER browser-d1, "
                + "DEVICE_USER browser-d1, USER_ACTIVITY bob]");
        assertThat(store.calls.subList(1, store.calls.size())).noneMatch((call) -> call.startsWith("prefetch"));
    }

    @Test
    void stitchesWhenPrefetchFails() {
        RecordingStore store = new RecordingStore(this.embedded, true);
        IdentityStitcher stitcher = IdentityStitcher.builder(store).build();
        List<Event> batch = List.of(
                browser("login").deviceId("browser-d1").userId("alice").build(),
                browser("click").deviceId("browser-d1").build());

        List<Event> stitched = stitcher.stitch(batch).block();

        assertThat(stitched.get(1).userId()).hasValue("alice");
        assertThat(stitcher.failedEvents()).isZero();
    }

    private static Event.Builder browser(String eventType) {
        return Event.builder(eventType).apiKey(API_KEY).time(NOW);
    }

    /** Passes every call to the embedded store and notes the prefetches and lookups in order. */
    private static final class RecordingStore implements SynchronousIdentityStore {

        final List<String> calls = new ArrayList<>();

        private final EmbeddedIdentityStore delegate;

        private final boolean failPrefetch;

        RecordingStore(EmbeddedIdentityStore delegate, boolean failPrefetch) {
            this.delegate = delegate;
            this.failPrefetch = failPrefetch;
        }

        @Override
        public void prefetch(IdentityScope scope, List<LinkKey> links) {
            this.calls.add("prefetch " + links.stream().map((link) -> link.kind() + " " + link.id()).toList());
            if (this.failPrefetch) {
                throw new IllegalStateException("prefetch failed");
            }
            this.delegate.prefetch(scope, links);
        }

        @Override
        public @Nullable IdentityLink findNow(IdentityScope scope, LinkKind kind, String id) {
            this.calls.add("find " + kind + " " + id);
            return this.delegate.findNow(scope, kind, id);
        }

        @Override
        public void recordNow(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
            this.delegate.recordNow(scope, kind, id, link);
        }

        @Override
        public Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id) {
            return Mono.error(new AssertionError("The stitcher should call findNow"));
        }

        @Override
        public Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
            return Mono.error(new AssertionError("The stitcher should call recordNow"));
        }

        @Override
        public void close() {
        }

    }

}
