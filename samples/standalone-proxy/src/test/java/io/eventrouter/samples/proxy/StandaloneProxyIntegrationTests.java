package io.eventrouter.samples.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.address=127.0.0.1")
class StandaloneProxyIntegrationTests {

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
            .build();

    @DynamicPropertySource
    static void amplitudeUrl(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.amplitude.url", amplitude::baseUrl);
    }

    @Value("${local.server.port}")
    int port;

    @Test
    void proxyForwardsUploadToAmplitude() throws Exception {
        amplitude.stubFor(post("/2/httpapi").willReturn(okJson("{\"code\":200,\"events_ingested\":1,"
                + "\"payload_size_bytes\":1,\"server_upload_time\":1}")));
        String upload = "{\"api_key\":\"0123456789abcdef\",\"events\":"
                + "[{\"event_type\":\"Proxied Event\",\"user_id\":\"user-1\",\"insert_id\":\"insert-1\"}]}";

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + this.port + "/2/httpapi"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(upload))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"code\":200");
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> amplitude.verify(
                postRequestedFor(urlEqualTo("/2/httpapi")).withRequestBody(containing("Proxied Event"))));
    }

}
