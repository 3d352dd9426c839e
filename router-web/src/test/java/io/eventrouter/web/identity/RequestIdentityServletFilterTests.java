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
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdentityServletFilterTests {

    private final List<Event> published = new CopyOnWriteArrayList<>();

    private final EventPublisher publisher = RequestIdentityPublisher.wrap(EventPublisher.inProcess(new Source() {

        @Override
        public SourceId id() {
            return SourceId.of("server-sdk");
        }

        @Override
        public Mono<Acceptance> submit(List<Event> events) {
            RequestIdentityServletFilterTests.this.published.addAll(events);
            return Mono.just(new Acceptance(events.size()));
        }

    }));

    /** A checkout servlet that publishes a server event without any ids but the user's. */
    private final HttpServlet checkout = new HttpServlet() {

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) {
            RequestIdentityServletFilterTests.this.publisher
                    .publishAsync(Event.builder("order_paid").apiKey("servlet-test-key").userId("alice").build())
                    .join();
        }

    };

    @Test
    void givesServerEventsTheDeviceAndSessionThePageSent() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/checkout");
        request.addHeader(RequestIdentity.DEVICE_ID_HEADER, "browser-d1");
        request.addHeader(RequestIdentity.SESSION_ID_HEADER, "1733313600000");

        new MockFilterChain(this.checkout, new RequestIdentityServletFilter())
                .doFilter(request, new MockHttpServletResponse());

        assertThat(this.published).singleElement().satisfies((event) -> {
            assertThat(event.deviceId()).hasValue("browser-d1");
            assertThat(event.sessionId()).hasValue(1733313600000L);
        });
    }

    @Test
    void endsTheBindingWithTheRequest() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/checkout");
        request.addHeader(RequestIdentity.DEVICE_ID_HEADER, "browser-d1");

        new MockFilterChain(this.checkout, new RequestIdentityServletFilter())
                .doFilter(request, new MockHttpServletResponse());

        assertThat(RequestIdentity.current()).isEmpty();
    }

    @Test
    void leavesServerEventsAloneWithoutHeaders() throws Exception {
        new MockFilterChain(this.checkout, new RequestIdentityServletFilter())
                .doFilter(new MockHttpServletRequest("POST", "/checkout"), new MockHttpServletResponse());

        assertThat(this.published).singleElement().satisfies((event) -> assertThat(event.deviceId()).isEmpty());
    }

}
