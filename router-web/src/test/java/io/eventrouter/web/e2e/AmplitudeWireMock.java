package io.eventrouter.web.e2e;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.junit.Stubbing;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import tools.jackson.databind.JsonNode;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * WireMock stubs and request readers that make WireMock stand in for Amplitude's
 * ingestion and Experiment endpoints.
 *
 * <p>Methods take WireMock's {@link Stubbing}, so they accept a {@code WireMockServer}
 * and a JUnit {@code WireMockExtension} alike.
 */
public final class AmplitudeWireMock {

    /** Path of Amplitude's HTTP V2 API, which the TypeScript SDKs post to. */
    public static final String HTTP_API_PATH = "/2/httpapi";

    /** Path that {@code amplitude-js} posts to on Amplitude's default endpoint. */
    public static final String LEGACY_UPLOAD_PATH = "/";

    /** Path of Experiment's remote evaluation endpoint. */
    public static final String VARIANTS_PATH = "/sdk/v2/vardata";

    // Amplitude's success body. The TypeScript SDKs read only "code", but every field is
    // filled in: events_ingested from the request and payload_size_bytes as the body's
    // length in characters, which equals its byte count for ASCII bodies. The space before
    // the closing brace keeps Handlebars from reading "}}}" as the end of a raw block.
    private static final String HTTP_API_SUCCESS_TEMPLATE = "{\"code\":200,"
            + "\"events_ingested\":{{jsonPath request.body '$.events.length()'}},"
            + "\"payload_size_bytes\":{{size request.body}},\"server_upload_time\":{{now format='epoch'}} }";

    private AmplitudeWireMock() {
    }

    /**
     * Returns WireMock options for a server on {@code 127.0.0.1} and an ephemeral port that
     * responds to CORS preflight requests, which browser SDKs send because their page has
     * another origin.
     */
    public static WireMockConfiguration loopbackOptions() {
        return WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().stubCorsEnabled(true);
    }

    /**
     * Stubs {@code POST /2/httpapi} to return HTTP 200 with Amplitude's success body.
     */
    public static void stubHttpApiSuccess(Stubbing server) {
        server.stubFor(post(urlPathEqualTo(HTTP_API_PATH)).willReturn(aResponse().withStatus(200)
            .withHeader("Content-Type", "application/json")
            .withBody(HTTP_API_SUCCESS_TEMPLATE)
            .withTransformers("response-template")));
    }

    /**
     * Stubs {@code POST /} to return HTTP 200 with the plain-text body {@code success},
     * as Amplitude's endpoint for {@code amplitude-js} does.
     */
    public static void stubLegacyUploadSuccess(Stubbing server) {
        server.stubFor(post(urlPathEqualTo(LEGACY_UPLOAD_PATH)).willReturn(aResponse().withStatus(200)
            .withHeader("Content-Type", "text/plain")
            .withBody("success")));
    }

    /**
     * Stubs {@code GET /sdk/v2/vardata} to return {@code variantsJson}, a JSON object of
     * variants keyed by flag key, for every user.
     */
    public static void stubVariants(Stubbing server, String variantsJson) {
        server.stubFor(get(urlPathEqualTo(VARIANTS_PATH)).willReturn(okJson(variantsJson)));
    }

    /**
     * Returns the requests that {@code server} received on {@code POST path}, in arrival
     * order.
     */
    public static List<LoggedRequest> uploads(Stubbing server, String path) {
        return server.findAll(postRequestedFor(urlPathEqualTo(path)));
    }

    /**
     * Returns every event that {@code server} received on {@code POST /2/httpapi}, in
     * arrival order. Each element is one object of an upload's {@code events} array.
     */
    public static List<JsonNode> httpApiEvents(Stubbing server) {
        return uploads(server, HTTP_API_PATH).stream()
            .map((request) -> HarnessPage.jsonMapper.readTree(request.getBodyAsString()))
            .flatMap((body) -> body.path("events").valueStream())
            .toList();
    }

    /**
     * Returns every event that {@code server} received on {@code POST /} from
     * {@code amplitude-js}, in arrival order, read from each upload's form field
     * {@code e}.
     */
    public static List<JsonNode> legacyEvents(Stubbing server) {
        return uploads(server, LEGACY_UPLOAD_PATH).stream()
            .flatMap((request) -> formField(request.getBodyAsString(), "e"))
            .map(HarnessPage.jsonMapper::readTree)
            .flatMap(JsonNode::valueStream)
            .toList();
    }

    /**
     * Returns the values of form field {@code name} in an
     * {@code application/x-www-form-urlencoded} body.
     */
    public static Stream<String> formField(String formBody, String name) {
        return Stream.of(formBody.split("&"))
            .map((pair) -> pair.split("=", 2))
            .filter((pair) -> decode(pair[0]).equals(name))
            .map((pair) -> (pair.length > 1) ? decode(pair[1]) : "");
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

}
