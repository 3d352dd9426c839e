package io.eventrouter.core.amplitude;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

/** Identifications received through the Identify APIs leave through the same APIs. */
class IdentifyApiDeliveryTests {

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
            .build();

    private static final RequestContext CONTEXT = RequestContext.of("key-12345");

    private AmplitudeDestination destination;

    @BeforeEach
    void create() {
        this.destination = AmplitudeDestination.builder()
                .url(URI.create(amplitude.baseUrl()))
                .timeout(Duration.ofSeconds(2))
                .throttlePause(Duration.ofSeconds(30))
                .build();
        amplitude.stubFor(post("/2/httpapi").willReturn(aResponse().withStatus(200)
                .withBody("{\"code\":200,\"events_ingested\":1,\"payload_size_bytes\":1,\"server_upload_time\":1}")));
        amplitude.stubFor(post("/identify").willReturn(aResponse().withStatus(200).withBody("success")));
        amplitude.stubFor(post("/groupidentify").willReturn(aResponse().withStatus(200).withBody("success")));
    }

    @AfterEach
    void close() {
        this.destination.close();
    }

    private static Event identification(IdentifyApi api, String json) {
        ObjectNode fields = (ObjectNode) AmplitudeJson.MAPPER.readTree(json);
        return Event.of(CONTEXT, api.toEventFields(fields));
    }

    private static JsonNode identificationsPostedTo(String path) {
        LoggedRequest request = amplitude.findAll(postRequestedFor(urlEqualTo(path))).get(0);
        String form = request.getBodyAsString();
        assertThat(form).startsWith("api_key=key-12345&identification=");
        String json = URLDecoder.decode(form.substring(form.indexOf("identification=") + 15), StandardCharsets.UTF_8);
        return AmplitudeJson.MAPPER.readTree(json);
    }

    @Test
    void postsIdentificationsToTheirApisAndOtherEventsToTheHttpApi() {
        Event ordinary = Event.builder("play").deviceId("device-1").context(CONTEXT).build();
        Event identify = identification(IdentifyApi.IDENTIFY,
                "{\"user_id\":\"user-1\",\"user_properties\":{\"$set\":{\"plan\":\"pro\"},\"$add\":{\"n\":1}}}");
        Event group = identification(IdentifyApi.GROUP_IDENTIFY,
                "{\"group_type\":\"org\",\"group_value\":\"acme\",\"group_properties\":{\"$set\":{\"size\":3}}}");

        DeliveryResult result = this.destination.deliver(new Delivery(CONTEXT, List.of(identify, ordinary, group), 1))
                .block(Duration.ofSeconds(10));

        assertThat(result.outcomes()).containsOnly(EventOutcome.delivered());
        assertThat(identificationsPostedTo("/identify").toString())
                .isEqualTo("[{\"user_id\":\"user-1\",\"user_properties\":{\"$set\":{\"plan\":\"pro\"},\"$add\":{\"n\":1}}}]");
        assertThat(identificationsPostedTo("/groupidentify").toString())
                .isEqualTo("[{\"group_type\":\"org\",\"group_value\":\"acme\",\"group_properties\":{\"$set\":{\"size\":3}}}]");
        LoggedRequest httpApi = amplitude.findAll(postRequestedFor(urlEqualTo("/2/httpapi"))).get(0);
        assertThat(httpApi.getBodyAsString()).contains("\"play\"").doesNotContain("$identify");
        // A plain form post, as Amplitude's SDKs send it: some servers cannot read a chunked body.
        LoggedRequest form = amplitude.findAll(postRequestedFor(urlEqualTo("/identify"))).get(0);
        assertThat(form.getHeader("Content-Length")).isEqualTo(String.valueOf(form.getBody().length));
        assertThat(form.containsHeader("Transfer-Encoding")).isFalse();
    }

    @Test
    void keepsEveryCharacterOfIdentification() {
        // A lone surrogate has no UTF-8 bytes, so URL-encoding it from UTF-8 would send '?'.
        Event identify = identification(IdentifyApi.IDENTIFY,
                "{\"user_id\":\"user-1\",\"user_properties\":{\"$set\":{\"name\":\"h\u00e9llo \\ud83d\\ude00 \\ud800\"}}}");

        this.destination.deliver(new Delivery(CONTEXT, List.of(identify), 1)).block(Duration.ofSeconds(10));

        assertThat(identificationsPostedTo("/identify").at("/0/user_properties/$set/name").stringValue())
                .isEqualTo("h\u00e9llo \ud83d\ude00 \ud800");
    }

    @Test
    void keepsEachDeviceInOrderAcrossApis() {
        Event first = Event.builder("first").deviceId("device-1").context(CONTEXT).build();
        Event identify = identification(IdentifyApi.IDENTIFY, "{\"device_id\":\"device-1\",\"user_id\":\"user-1\"}");
        Event second = Event.builder("second").userId("user-1").context(CONTEXT).build();
        Event other = Event.builder("other").deviceId("device-2").context(CONTEXT).build();

        DeliveryResult result = this.destination.deliver(new Delivery(CONTEXT, List.of(first, identify, second, other), 1))
                .block(Duration.ofSeconds(10));

        assertThat(result.outcomes()).containsOnly(EventOutcome.delivered());
        List<LoggedRequest> requests = amplitude.findAll(anyRequestedFor(anyUrl()));
        assertThat(requests).extracting(LoggedRequest::getUrl).containsExactly("/2/httpapi", "/identify", "/2/httpapi");
        assertThat(requests.get(0).getBodyAsString()).contains("\"first\"", "\"other\"").doesNotContain("\"second\"");
        assertThat(requests.get(2).getBodyAsString()).contains("\"second\"");
    }

    @Test
    void holdsLaterEventsBehindFailedIdentification() {
        amplitude.stubFor(post("/identify").willReturn(aResponse().withStatus(503).withHeader("Retry-After", "7")));
        Event first = Event.builder("first").deviceId("device-1").context(CONTEXT).build();
        Event identify = identification(IdentifyApi.IDENTIFY, "{\"device_id\":\"device-1\"}");
        Event second = Event.builder("second").deviceId("device-1").context(CONTEXT).build();

        DeliveryResult result = this.destination.deliver(new Delivery(CONTEXT, List.of(first, identify, second), 1))
                .block(Duration.ofSeconds(10));

        assertThat(result.outcomes()).containsExactly(EventOutcome.delivered(),
                EventOutcome.retryLater(Duration.ofSeconds(7)), EventOutcome.retryLater(Duration.ofSeconds(7)));
        assertThat(result.failure()).startsWith("HTTP 503 from the Identify API");
        assertThat(amplitude.findAll(anyRequestedFor(anyUrl()))).extracting(LoggedRequest::getUrl)
                .containsExactly("/2/httpapi", "/identify");
    }

    @Test
    void pausesOnlyIdentificationsTheIdentifyApiThrottles() {
        amplitude.stubFor(post("/identify").willReturn(aResponse().withStatus(429)));
        Event ordinary = Event.builder("play").deviceId("device-1").context(CONTEXT).build();
        Event identify = identification(IdentifyApi.IDENTIFY, "{\"user_id\":\"user-1\"}");

        DeliveryResult result = this.destination.deliver(new Delivery(CONTEXT, List.of(ordinary, identify), 1))
                .block(Duration.ofSeconds(10));

        assertThat(result.outcomes()).containsExactly(EventOutcome.delivered(),
                EventOutcome.throttled(Duration.ofSeconds(30)));
    }

    @Test
    void reportsIdentificationsTooLargeForTheIdentifyApi() {
        amplitude.stubFor(post("/identify").willReturn(aResponse().withStatus(413)));
        Event ordinary = Event.builder("play").deviceId("device-1").context(CONTEXT).build();
        Event identify = identification(IdentifyApi.IDENTIFY, "{\"user_id\":\"user-1\"}");

        DeliveryResult result = this.destination.deliver(new Delivery(CONTEXT, List.of(ordinary, identify), 1))
                .block(Duration.ofSeconds(10));

        assertThat(result.outcomes()).containsExactly(EventOutcome.delivered(), EventOutcome.tooLarge());
    }

}
