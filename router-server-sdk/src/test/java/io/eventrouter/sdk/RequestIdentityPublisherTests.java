package io.eventrouter.sdk;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.identity.StitchedFields;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdentityPublisherTests {

    private static final long SESSION = 1_733_313_600_000L;

    private final List<Event> published = new CopyOnWriteArrayList<>();

    private final EventPublisher publisher = RequestIdentityPublisher.wrap(new RecordingPublisher(this.published));

    @Test
    void fillsDeviceAndSessionFromTheReactorContext() {
        this.publisher.publish(serverEvent())
                .contextWrite((context) -> context.put(RequestIdentity.CONTEXT_KEY,
                        new RequestIdentity("browser-d1", SESSION)))
                .block();

        Event event = this.published.get(0);
        assertThat(event.deviceId()).hasValue("browser-d1");
        assertThat(event.sessionId()).hasValue(SESSION);
        assertThat(StitchedFields.of(event)).containsExactly("device_id", "session_id");
    }

    @Test
    void fillsDeviceAndSessionFromTheThreadBinding() {
        try (RequestIdentity.Binding binding = RequestIdentity.bind(new RequestIdentity("browser-d1", SESSION))) {
            this.publisher.publishAsync(serverEvent()).join();
        }

        assertThat(this.published.get(0).deviceId()).hasValue("browser-d1");
    }

    @Test
    void forgetsTheThreadBindingWhenItIsClosed() {
        try (RequestIdentity.Binding binding = RequestIdentity.bind(new RequestIdentity("browser-d1", SESSION))) {
            assertThat(RequestIdentity.current()).isPresent();
        }

        assertThat(RequestIdentity.current()).isEmpty();
    }

    @Test
    void neverReplacesTheEventsOwnIds() {
        Event event = Event.builder("order_paid").apiKey("sdk-test-key").userId("alice").deviceId("server-d9")
                .sessionId(42).build();

        this.publisher.publish(event)
                .contextWrite((context) -> context.put(RequestIdentity.CONTEXT_KEY,
                        new RequestIdentity("browser-d1", SESSION)))
                .block();

        assertThat(this.published.get(0)).isEqualTo(event);
    }

    @Test
    void fillsTheSessionOnlyForTheRequestsDevice() {
        Event event = Event.builder("order_paid").apiKey("sdk-test-key").userId("alice").deviceId("server-d9")
                .build();

        this.publisher.publish(event)
                .contextWrite((context) -> context.put(RequestIdentity.CONTEXT_KEY,
                        new RequestIdentity("browser-d1", SESSION)))
                .block();

        assertThat(this.published.get(0).sessionId()).isEmpty();
    }

    @Test
    void leavesEventsAloneOutsideARequest() {
        Event event = serverEvent();

        this.publisher.publish(event).block();

        assertThat(this.published.get(0)).isSameAs(event);
    }

    @Test
    void readsTheIdsFromRequestHeaders() {
        Map<String, String> headers = Map.of(RequestIdentity.DEVICE_ID_HEADER, " browser-d1 ",
                RequestIdentity.SESSION_ID_HEADER, Long.toString(SESSION));

        RequestIdentity identity = RequestIdentity.fromHeaders(headers::get);

        assertThat(identity).isEqualTo(new RequestIdentity("browser-d1", SESSION));
    }

    @Test
    void ignoresMalformedHeaders() {
        Map<String, String> headers = Map.of(RequestIdentity.DEVICE_ID_HEADER, "  ",
                RequestIdentity.SESSION_ID_HEADER, "yesterday");

        RequestIdentity identity = RequestIdentity.fromHeaders(headers::get);

        assertThat(identity.isEmpty()).isTrue();
    }

    @Test
    void ignoresPlaceholderDeviceIds() {
        for (String refused : List.of("null", "undefined")) {
            Map<String, String> headers = Map.of(RequestIdentity.DEVICE_ID_HEADER, refused);

            RequestIdentity identity = RequestIdentity.fromHeaders(headers::get);

            assertThat(identity.deviceId()).as(refused).isNull();
        }
    }

    @Test
    void fillsShortDeviceIdOnlyWhereAllowed() {
        RequestIdentity identity = RequestIdentity.fromHeaders(Map.of(RequestIdentity.DEVICE_ID_HEADER, "ab")::get);
        Event usual = serverEvent();
        Event lenient = Event.builder("order_paid").context(new RequestContext("sdk-test-key", 2)).userId("alice")
                .build();

        assertThat(identity.applyTo(usual).deviceId()).isEmpty();
        assertThat(identity.applyTo(lenient).deviceId()).contains("ab");
    }

    private static Event serverEvent() {
        return Event.builder("order_paid").apiKey("sdk-test-key").userId("alice").build();
    }

    /** Records what it is given and accepts it at once. */
    private record RecordingPublisher(List<Event> published) implements EventPublisher {

        @Override
        public Mono<Void> publish(List<Event> events) {
            this.published.addAll(events);
            return Mono.empty();
        }

        @Override
        public CompletableFuture<Void> publishAsync(Event event) {
            return publish(event).toFuture();
        }

        @Override
        public CompletableFuture<Void> publishAsync(List<Event> events) {
            return publish(events).toFuture();
        }

        @Override
        public Mono<Void> flush() {
            return Mono.empty();
        }

        @Override
        public void close() {
        }

        @Override
        public PublisherStats stats() {
            return new PublisherStats(this.published.size(), 0, 0, 0);
        }

        @Override
        public Optional<String> defaultApiKey() {
            return Optional.empty();
        }

    }

}
