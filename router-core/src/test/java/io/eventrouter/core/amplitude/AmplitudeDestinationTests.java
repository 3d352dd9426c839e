package io.eventrouter.core.amplitude;

import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.http.Fault;
import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

class AmplitudeDestinationTests {

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
            .build();

    private AmplitudeDestination destination;

    @BeforeEach
    void create() {
        this.destination = AmplitudeDestination.builder()
                .url(URI.create(amplitude.baseUrl()))
                .timeout(Duration.ofSeconds(2))
                .build();
    }

    @AfterEach
    void close() {
        this.destination.close();
    }

    @Test
    void postsBatchWithItsApiKeyAndOptions() {
        amplitude.stubFor(post("/2/httpapi").willReturn(aResponse().withStatus(200)
                .withBody("{\"code\":200,\"events_ingested\":1,\"payload_size_bytes\":10,\"server_upload_time\":1}")));
        RequestContext context = new RequestContext("key-12345", 3);

        DeliveryResult result = deliver(context, "play");

        assertThat(result.outcomes()).containsExactly(EventOutcome.delivered());
        amplitude.verify(postRequestedFor(urlEqualTo("/2/httpapi"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Content-Length", matching("[1-9][0-9]*"))
                .withRequestBody(equalToJson("{\"api_key\":\"key-12345\",\"options\":{\"min_id_length\":3},"
                        + "\"events\":[{\"event_type\":\"play\",\"device_id\":\"device-1\"}]}")));
    }

    @Test
    void readsRetryAfterOfServerError() {
        amplitude.stubFor(post("/2/httpapi").willReturn(aResponse().withStatus(503).withHeader("Retry-After", "12")));

        DeliveryResult result = deliver(RequestContext.of("key-12345"), "play");

        assertThat(result.outcomes()).containsExactly(EventOutcome.retryLater(Duration.ofSeconds(12)));
    }

    @Test
    void signalsConnectionResetAsError() {
        amplitude.stubFor(post("/2/httpapi").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        assertThatException().isThrownBy(() -> deliver(RequestContext.of("key-12345"), "play"));
    }

    @Test
    void warnsOfAnApiPathInTheUrl() {
        Logger logger = (Logger) LoggerFactory.getLogger(AmplitudeDestination.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            AmplitudeDestination.builder().url(URI.create(amplitude.baseUrl() + "/2/httpapi")).build().close();
            AmplitudeDestination.builder().url(URI.create(amplitude.baseUrl() + "/2/HTTPAPI//")).build().close();
        }
        finally {
            logger.detachAppender(logs);
        }

        assertThat(logs.list).hasSize(2).allSatisfy((event) -> assertThat(event.getLevel()).isEqualTo(Level.WARN));
        assertThat(logs.list.get(0).getFormattedMessage())
                .contains("requests_to=" + amplitude.baseUrl() + "/2/httpapi/2/httpapi");
    }

    @Test
    void connectsToOneDigitPort() {
        // Nothing listens on port 9 of the loopback interface, so the connection is refused.
        AmplitudeDestination oneDigit = AmplitudeDestination.builder()
                .url(URI.create("http://127.0.0.1:9"))
                .timeout(Duration.ofSeconds(2))
                .build();
        RequestContext context = RequestContext.of("key-12345");
        Event event = Event.builder("play").context(context).deviceId("device-1").build();
        try {
            assertThatException()
                    .isThrownBy(() -> oneDigit.deliver(new Delivery(context, List.of(event), 1)).block(Duration.ofSeconds(10)))
                    .withRootCauseInstanceOf(ConnectException.class);
        }
        finally {
            oneDigit.close();
        }
    }

    private DeliveryResult deliver(RequestContext context, String eventType) {
        Event event = Event.builder(eventType).context(context).deviceId("device-1").build();
        return this.destination.deliver(new Delivery(context, List.of(event), 1)).block(Duration.ofSeconds(10));
    }

}
