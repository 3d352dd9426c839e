package io.eventrouter.samples.publisher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.eventrouter.sdk.PublisherStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

class ServerPublisherSampleIntegrationTests {

    @RegisterExtension
    static WireMockExtension endpoint = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
            .build();

    @Test
    void samplePublishesEveryEventKind() {
        endpoint.stubFor(post("/2/httpapi").willReturn(okJson("{\"code\":200,\"events_ingested\":1,"
                + "\"payload_size_bytes\":1,\"server_upload_time\":1}")));
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        PublisherStats stats = ServerPublisherSample.run(URI.create(endpoint.baseUrl()), "sample-api-key",
                new PrintStream(output, true, StandardCharsets.UTF_8));

        assertThat(stats.accepted()).isEqualTo(4);
        assertThat(stats.failed()).isZero();
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("accepted=4 failed=0");
        for (String eventType : new String[] {"Signed Up", "$identify", "$groupidentify", "revenue_amount"}) {
            endpoint.verify(postRequestedFor(urlEqualTo("/2/httpapi"))
                    .withRequestBody(containing("\"event_type\":\"" + eventType + "\"")));
        }
    }

}
