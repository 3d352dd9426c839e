package io.eventrouter.bridge.identity;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.FirstPartyDeviceLinker;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class FirstPartyLinkingSourceTests {

    private static final long DAY = Duration.ofDays(1).toMillis();

    private final EmbeddedIdentityStore store = EmbeddedIdentityStore.inMemory(1_000);

    private final List<Event> submitted = new CopyOnWriteArrayList<>();

    private final Source source = new FirstPartyLinkingSource(new RecordingSource(),
            new FirstPartyDeviceLinker(this.store, Duration.ofDays(7), InstantSource.fixed(Instant.EPOCH)));

    @AfterEach
    void closeStore() {
        this.store.close();
    }

    @Test
    void linksTheUploadToTheCookieInTheContext() {
        submit(event("sdk-d1", 0), "fp-1");

        submit(event("sdk-d2", 9 * DAY), "fp-1");

        assertThat(this.submitted.get(1).deviceId()).hasValue("sdk-d1");
    }

    @Test
    void submitsUnchangedWithoutACookie() {
        submit(event("sdk-d1", 0), "fp-1");

        this.source.submit(List.of(event("sdk-d2", 9 * DAY))).block();

        assertThat(this.submitted.get(1).deviceId()).hasValue("sdk-d2");
    }

    private void submit(Event event, String firstPartyId) {
        this.source.submit(List.of(event))
                .contextWrite((context) -> context.put(FirstPartyCookieFilter.CONTEXT_KEY, firstPartyId))
                .block();
    }

    private static Event event(String deviceId, long time) {
        return Event.builder("page_view").apiKey("bridge-test-key").deviceId(deviceId).time(time).build();
    }

    private final class RecordingSource implements Source {

        @Override
        public SourceId id() {
            return SourceId.of("client-bridge");
        }

        @Override
        public Mono<Acceptance> submit(List<Event> events) {
            FirstPartyLinkingSourceTests.this.submitted.addAll(events);
            return Mono.just(new Acceptance(events.size()));
        }

    }

}
