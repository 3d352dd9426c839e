package io.eventrouter.web;

import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * WireMock standing in for Amplitude's HTTP V2 API on a loopback port.
 */
public final class AmplitudeStub {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private AmplitudeStub() {
    }

    public static WireMockExtension extension() {
        return WireMockExtension.newInstance()
                .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
                .build();
    }

    /** Answers every upload with Amplitude's success body. */
    public static void acceptUploads(WireMockExtension amplitude) {
        amplitude.stubFor(post("/2/httpapi").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\":200,\"events_ingested\":1,\"payload_size_bytes\":1,\"server_upload_time\":1}")));
    }

    /** Returns every upload WireMock received, parsed. */
    public static List<JsonNode> uploads(WireMockExtension amplitude) {
        return amplitude.findAll(postRequestedFor(urlEqualTo("/2/httpapi"))).stream()
                .map(LoggedRequest::getBodyAsString)
                .map(MAPPER::readTree)
                .toList();
    }

    /** Returns every event of every upload, each with the upload's {@code api_key} copied into it. */
    public static List<JsonNode> events(WireMockExtension amplitude) {
        return uploads(amplitude).stream()
                .flatMap((upload) -> upload.path("events").valueStream()
                        .map((event) -> ((tools.jackson.databind.node.ObjectNode) event.deepCopy())
                                .put("api_key", upload.path("api_key").asString())))
                .map(JsonNode.class::cast)
                .toList();
    }

}
