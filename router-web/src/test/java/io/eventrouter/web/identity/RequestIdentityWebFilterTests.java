package io.eventrouter.web.identity;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.RequestIdentity;
import io.eventrouter.sdk.RequestIdentityPublisher;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdentityWebFilterTests {

    private final List<Event> published = new CopyOnWriteArrayList<>();

    private final EventPublisher publisher = RequestIdentityPublisher.wrap(EventPublisher.inProcess(new Source() {

        @Override
        public SourceId id() {
            return SourceId.of("server-sdk");
        }

        @Override
        public Mono<Acceptance> submit(List<Event> events) {
            RequestIdentityWebFilterTests.this.published.addAll(events);
            return Mono.just(new Acceptance(events.size()));
        }

    }));

    /** A checkout handler that publishes a server event without any ids but the user's. */
    private final WebTestClient client = WebTestClient
            .bindToRouterFunction(RouterFunctions.route()
                    .POST("/checkout", (request) -> this.publisher
                            .publish(Event.builder("order_paid").apiKey("web-test-key").userId("alice").build())
                            .then(ServerResponse.ok().build()))
                    .build())
            .webFilter(new RequestIdentityWebFilter())
            .build();

    @Test
    void givesServerEventsTheDeviceAndSessionThePageSent() {
        this.client.post().uri("/checkout")
                .header(RequestIdentity.DEVICE_ID_HEADER, "browser-d1")
                .header(RequestIdentity.SESSION_ID_HEADER, "1733313600000")
                .exchange()
                .expectStatus().isOk();

        assertThat(this.published).singleElement().satisfies((event) -> {
            assertThat(event.deviceId()).hasValue("browser-d1");
            assertThat(event.sessionId()).hasValue(1733313600000L);
        });
    }

    @Test
    void leavesServerEventsAloneWithoutHeaders() {
        this.client.post().uri("/checkout").exchange().expectStatus().isOk();

        assertThat(this.published).singleElement().satisfies((event) -> assertThat(event.deviceId()).isEmpty());
    }

}
